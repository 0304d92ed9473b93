using System.Text;
using JobService.Api.Storage;
using JobService.Api.Storage.Postgres;

namespace JobService.Tests.Storage;

public sealed class UnitCodecTests
{
    [Fact]
    public void Compact_outcomes_read_back_as_written_whatever_their_order_pid_and_state()
    {
        var written = new StoredOutcome[]
        {
            new(0, FutureState.Finished, 4242, 17, Encoding.UTF8.GetBytes("0"), null),
            new(1, FutureState.Finished, 4242, 200_000, Encoding.UTF8.GetBytes("\"a string\""), null),
            new(7, FutureState.Failed, 4243, 0, default, new FutureError("ValueError", "bad input", "Traceback (most recent call last):\n  ...")),
            new(3, FutureState.Cancelled, 0, 0, default, null),
            new(4, FutureState.Failed, 0, 5, default, new FutureError("WorkerLost", "", null)),
            new(int.MaxValue, FutureState.Finished, 4243, int.MaxValue, new byte[300], null),
        };
        var writer = new UnitCodec.OutcomeWriter();
        foreach (var o in written) writer.Write(o.Index, o.State, o.WorkerPid, o.ElapsedMicros, o.Result.Span, o.Error);

        var read = UnitCodec.Read(writer.Data.WrittenSpan.ToArray(), UnitCodec.CurrentFormat).ToArray();

        Assert.Equal(written.Length, read.Length);
        for (var i = 0; i < written.Length; i++)
        {
            Assert.Equal((written[i].Index, written[i].State, written[i].WorkerPid, written[i].ElapsedMicros, written[i].Error),
                (read[i].Index, read[i].State, read[i].WorkerPid, read[i].ElapsedMicros, read[i].Error));
            Assert.Equal(written[i].Result.ToArray(), read[i].Result.ToArray());
        }
    }

    [Fact]
    public void A_run_of_small_results_costs_a_few_bytes_more_than_the_results_themselves()
    {
        var writer = new UnitCodec.OutcomeWriter();
        for (var i = 0; i < 1000; i++) writer.Write(i, FutureState.Finished, 4242, 3, Encoding.UTF8.GetBytes("123456"), null);

        // Head, elapsed and length: three bytes per outcome, plus the pid once.
        Assert.True(writer.Data.WrittenCount <= 1000 * (6 + 3) + 3, $"{writer.Data.WrittenCount} bytes");
    }
}
