using JobService.Api.Scheduling;

namespace JobService.Tests.Scheduling;

/// <summary>How many outcomes of a send are written to the store together: each write costs the database a statement and a commit.</summary>
public sealed class RecordBatchTests
{
    [Fact]
    public void AChunkIsWrittenInBatchesOfOneSizeWithoutASmallLastOne()
    {
        var batch = WorkerSession.BatchSize(25_000);

        Assert.Equal(8_334, batch);
        Assert.Equal(3, (25_000 + batch - 1) / batch);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(100)]
    [InlineData(12_000)]
    public void ASendOfLessThanOneAndAHalfBatchesIsWrittenAtOnce(int items) => Assert.Equal(items, WorkerSession.BatchSize(items));

    [Fact]
    public void ASendOfOneAndAHalfBatchesIsWrittenInTwo() => Assert.Equal(6_250, WorkerSession.BatchSize(12_500));
}
