using System.Text.Json.Serialization;

namespace JobService.Contracts;

/// <summary>The conditions of <c>concurrent.futures.wait</c>, spelled as Python spells them.</summary>
public enum ReturnWhen
{
    [JsonStringEnumMemberName("FIRST_COMPLETED")] FirstCompleted,
    [JsonStringEnumMemberName("FIRST_EXCEPTION")] FirstException,
    [JsonStringEnumMemberName("ALL_COMPLETED")] AllCompleted,
}
