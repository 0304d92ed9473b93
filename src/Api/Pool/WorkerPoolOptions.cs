using System.ComponentModel.DataAnnotations;

namespace JobService.Api.Pool;

/// <summary><c>Workers:*</c>: the worker processes of this node.</summary>
public sealed class WorkerPoolOptions
{
    public const string SectionName = "Workers";

    /// <summary>How many worker processes (and Hangfire workers) this node runs; default: one per core.</summary>
    [Range(1, 512)]
    public int Count { get; set; } = Environment.ProcessorCount;

    /// <summary>Replace a worker after it has run this many items (Python's max_tasks_per_child); 0 = never.</summary>
    [Range(0, int.MaxValue)]
    public int MaxTasksPerChild { get; set; }

    /// <summary>GC heap limit of each worker in MB (DOTNET_GCHeapHardLimit); 0 = no limit.</summary>
    [Range(0, 1_048_576)]
    public int MaxMemoryMb { get; set; }

    /// <summary>How long a new worker may take to say hello before it counts as failed to start.</summary>
    [Range(1, 600)]
    public int StartTimeoutSeconds { get; set; } = 30;

    /// <summary>The dotnet host that runs the worker program; empty = the one running this node.</summary>
    public string? DotnetPath { get; set; }

    /// <summary>The worker program; empty = JobService.Workers.dll beside this node's own assembly.</summary>
    public string? WorkerPath { get; set; }
}
