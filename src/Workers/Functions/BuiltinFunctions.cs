namespace JobService.Workers.Functions;

/// <summary>The catalog every node has: the tutorial's functions and the benchmark helpers.</summary>
public static class BuiltinFunctions
{
    [JobFunction("fib", Description = "Naive recursive Fibonacci: fib(1) = fib(2) = 1 (tutorial §1).")]
    public static long Fib(int n) => n <= 2 ? 1 : Fib(n - 1) + Fib(n - 2);

    [JobFunction("fib_checked", Description = "fib, but n == 31 raises 'fib must less than 31' (tutorial §2).")]
    public static long FibChecked(int n)
    {
        if (n == 31) throw new Exception("fib must less than 31");
        return Fib(n);
    }

    [JobFunction("power_sum", Description = "The tutorial's f(x) (§3): the sum over k = 1..51 of x ** (1 / k ** 1.5).")]
    public static double PowerSum(double x)
    {
        // x ** e as exp(e · ln x): one logarithm per item instead of 51 pow calls. Profiled, pow was the
        // whole cost of this function; the results agree with CPython's f(x) to about 1e-14.
        var log = Math.Log(x);
        var sum = 0.0;
        foreach (var exponent in PowerSumExponents) sum += Math.Exp(exponent * log);
        return sum;
    }

    /// <summary>1 / k ** 1.5 for k = 1..51: the same for every x, so computed once (the tutorial recomputes them per item).</summary>
    private static readonly double[] PowerSumExponents = Enumerable.Range(1, 51).Select(k => 1 / Math.Pow(k, 1.5)).ToArray();

    [JobFunction("add", Description = "Returns a + b; a map item [a, b] is spread over the two parameters.")]
    public static double Add(double a, double b) => a + b;

    [JobFunction("echo", Description = "Returns its argument unchanged (measures the service's own overhead).")]
    public static RawJson Echo(RawJson x) => x;

    [JobFunction("sleep", Description = "Sleeps for the given seconds and returns them.")]
    public static double Sleep(double seconds)
    {
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        return seconds;
    }

    [JobFunction("fail", Description = "Always raises an exception with the given message.")]
    public static object Fail(string message) => throw new Exception(message);
}
