namespace JobService.Workers.Functions;

/// <summary>The catalog every node has: the tutorial's functions and the benchmark helpers.</summary>
public static class BuiltinFunctions
{
    /// <summary>
    /// The largest n fib takes: fib(45) runs for seconds, and each step up costs 1.6 times more (fib(100) would outlast
    /// any worker; fib(10**9) overflowed the worker's stack). Above it the item fails at once instead of holding a worker.
    /// </summary>
    public const int MaxFib = 45;

    [JobFunction("fib", Description = "Naive recursive Fibonacci: fib(1) = fib(2) = 1 (tutorial §1); n at most 45.")]
    public static long Fib(int n)
    {
        if (n > MaxFib) throw new ArgumentValueException($"fib({n}) is naive recursion and would run for ages: n must be at most {MaxFib}");
        return NaiveFib(n);
    }

    private static long NaiveFib(int n) => n <= 2 ? 1 : NaiveFib(n - 1) + NaiveFib(n - 2);

    [JobFunction("fib_checked", Description = "fib, but n == 31 raises 'fib must less than 31' (tutorial §2); n at most 45.")]
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

    [JobFunction("sleep", Description = "Sleeps for the given seconds (a finite number, 0 or more) and returns them.")]
    public static double Sleep(double seconds)
    {
        // TimeSpan reads a negative span as "forever": sleep(-0.001) would hold its worker until the timeout killed it.
        if (!double.IsFinite(seconds) || seconds < 0)
            throw new ArgumentValueException($"sleep length must be a finite number of seconds, 0 or more; got {seconds}");
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        return seconds;
    }

    [JobFunction("fail", Description = "Always raises an exception with the given message.")]
    public static object Fail(string message) => throw new Exception(message);
}
