using JobService.Api.Storage;
using JobService.Tests.Infrastructure;
using static JobService.Tests.Security.KeyedHostFixture;

namespace JobService.Tests.Security;

/// <summary>Between API keys the scheduler is fair: the next unit is the oldest of the key with the fewest running.</summary>
public abstract class FairnessContract(KeyedHostFixture node)
{
    [Fact(Timeout = Timeouts.Test)]
    public async Task A_key_flooding_the_queue_does_not_make_another_keys_call_wait_behind_all_of_it()
    {
        using var alice = node.Host.ClientWith(Alice);
        using var bob = node.Host.ClientWith(Bob);
        // Posted together, so that on a busy machine the flood is still queued when bob's call comes.
        var flood = (await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => alice.CallAsync("sleep", 0.3)))).Select(job => job.FutureIds![0]).ToList();

        var bobs = await bob.CallAsync("echo", 42);
        var answer = await bob.FutureAsync(bobs.FutureIds![0], waitSeconds: 60);
        var aliceStillWaiting = 0;
        foreach (var id in flood)
            if (!(await alice.FutureAsync(id)).State.IsTerminal()) aliceStillWaiting++;

        Assert.Equal(42, answer.Result!.Value.GetInt32());
        // First come, first served would have run all 30 of alice's calls first; fairly, bob's ran after at most a few.
        Assert.True(aliceStillWaiting >= 20, $"only {aliceStillWaiting} of alice's 30 calls were still waiting when bob's ended");
        foreach (var id in flood) await alice.DeleteAsync($"/futures/{id}");
    }
}

public sealed class FairnessTests(KeyedHostFixture node) : FairnessContract(node), IClassFixture<KeyedHostFixture>;

public sealed class FairnessTestsOnPostgreSql(KeyedPostgresHostFixture node) : FairnessContract(node), IClassFixture<KeyedPostgresHostFixture>;
