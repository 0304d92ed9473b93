namespace JobService.Workers.Functions;

/// <summary>
/// A parameter or result type that passes JSON through untouched: no parse, no allocation
/// beyond the slice. <c>echo</c> uses it so overhead benchmarks measure the service, not a parser.
/// </summary>
public readonly record struct RawJson(ReadOnlyMemory<byte> Utf8);
