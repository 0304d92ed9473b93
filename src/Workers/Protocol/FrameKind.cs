namespace JobService.Workers.Protocol;

/// <summary>The kind byte that follows every frame's length prefix.</summary>
public enum FrameKind : byte
{
    /// <summary>Worker → host, once: the worker is up and which protocol it speaks.</summary>
    Hello = 1,
    /// <summary>Host → worker: items to run, in order.</summary>
    Chunk = 2,
    /// <summary>Worker → host: one item's JSON result.</summary>
    Result = 3,
    /// <summary>Worker → host: one item's error.</summary>
    Error = 4,
}

public static class FrameFormat
{
    /// <summary>int32 little-endian payload length, then the kind byte.</summary>
    public const int HeaderSize = 5;

    /// <summary>A larger length means the stream is corrupt: no honest frame is this big.</summary>
    public const int MaxPayloadBytes = 256 * 1024 * 1024;

    /// <summary>2: chunks carry their job id and trace context; outcomes, when asked, their start time.</summary>
    public const int ProtocolVersion = 2;
}

/// <summary>The peer broke the frame protocol; the stream can no longer be trusted.</summary>
public sealed class ProtocolException(string message) : Exception(message);
