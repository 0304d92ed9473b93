using JobService.Api.Scheduling;

namespace JobService.Tests.Scheduling;

/// <summary>How many outcomes of a send are written to the store together: each write costs the database a statement and a commit.</summary>
public sealed class RecordBatchTests
{
    [Fact]
    public void AChunkIsWrittenInBatchesOfOneSizeWithoutASmallLastOne()
    {
        var batch = WorkerSession.BatchSize(12_500);

        Assert.Equal(4_167, batch);
        Assert.Equal(3, (12_500 + batch - 1) / batch);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(100)]
    [InlineData(6_000)]
    public void ASendOfLessThanOneAndAHalfBatchesIsWrittenAtOnce(int items) => Assert.Equal(items, WorkerSession.BatchSize(items));

    [Fact]
    public void ASendOfOneAndAHalfBatchesIsWrittenInTwo() => Assert.Equal(3_100, WorkerSession.BatchSize(6_200));
}
