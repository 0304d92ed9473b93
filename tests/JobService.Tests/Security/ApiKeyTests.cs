using System.Net;
using System.Net.Http.Json;
using System.Text;
using JobService.Api.Jobs;
using JobService.Api.Storage;
using JobService.Tests.Infrastructure;
using static JobService.Tests.Security.KeyedHostFixture;

namespace JobService.Tests.Security;

/// <summary>API keys (Auth:Keys): who may call, and whose jobs each key sees; on either provider.</summary>
public abstract class ApiKeyContract(KeyedHostFixture node)
{
    [Fact(Timeout = Timeouts.Test)]
    public async Task A_request_without_a_key_is_401_with_a_bearer_challenge()
    {
        using var anonymous = node.Host.ClientWith(null);

        using var response = await anonymous.GetAsync("/jobs");

        var problem = await response.ProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("X-Api-Key", problem.GetProperty("detail").GetString());
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task A_wrong_key_is_401_and_says_the_key_is_unknown()
    {
        using var stranger = node.Host.ClientWith("not-a-key-of-this-service");

        using var response = await stranger.PostAsJsonAsync("/jobs", new { type = "submit", function = "echo", args = new[] { 1 } });

        var problem = await response.ProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("not one this service knows", problem.GetProperty("detail").GetString());
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task The_key_may_come_as_a_bearer_token_or_as_X_Api_Key()
    {
        using var bearer = node.Host.ClientWith(Alice);
        using var header = node.Host.ClientWith(null);
        header.DefaultRequestHeaders.Add("X-Api-Key", Alice);

        var job = await bearer.CallAsync("echo", 7);

        Assert.Equal(7, (await header.FutureAsync(job.FutureIds![0], waitSeconds: 60)).Result!.Value.GetInt32());
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task Health_answers_without_a_key()
    {
        using var anonymous = node.Host.ClientWith(null);

        using var response = await anonymous.GetAsync("/health");

        Assert.NotEqual(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task Another_keys_job_is_not_found_anywhere()
    {
        using var alice = node.Host.ClientWith(Alice);
        using var bob = node.Host.ClientWith(Bob);
        var job = await alice.CallAsync("echo", 1);
        var future = job.FutureIds![0];

        foreach (var url in new[] { $"/jobs/{job.JobId}", $"/jobs/{job.JobId}/results", $"/jobs/{job.JobId}/events", $"/futures/{future}" })
        {
            using var read = await bob.GetAsync(url);
            await read.ProblemAsync(HttpStatusCode.NotFound);
        }
        using var cancelFuture = await bob.DeleteAsync($"/futures/{future}?force=true");
        await cancelFuture.ProblemAsync(HttpStatusCode.NotFound);
        using var cancelJob = await bob.DeleteAsync($"/jobs/{job.JobId}?force=true");
        await cancelJob.ProblemAsync(HttpStatusCode.NotFound);
        using var wait = await bob.PostAsJsonAsync("/futures/wait", new { futureIds = new[] { future }, timeoutSeconds = 1 });
        await wait.ProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(1, (await alice.FutureAsync(future, waitSeconds: 60)).Result!.Value.GetInt32());
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task The_job_list_shows_only_the_callers_jobs_and_an_admin_sees_all()
    {
        using var alice = node.Host.ClientWith(Alice);
        using var bob = node.Host.ClientWith(Bob);
        using var admin = node.Host.ClientWith(Admin);
        var alices = await alice.CallAsync("echo", 1);
        var bobs = await bob.CallAsync("echo", 2);

        var seenByBob = await bob.GetOk<JobList>("/jobs?limit=1000");
        var seenByAdmin = await admin.GetOk<JobList>("/jobs?limit=1000");

        Assert.Contains(seenByBob.Jobs, j => j.JobId == bobs.JobId);
        Assert.DoesNotContain(seenByBob.Jobs, j => j.JobId == alices.JobId);
        Assert.Contains(seenByAdmin.Jobs, j => j.JobId == alices.JobId);
        Assert.Contains(seenByAdmin.Jobs, j => j.JobId == bobs.JobId);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task An_admin_reads_and_cancels_another_keys_job()
    {
        using var alice = node.Host.ClientWith(Alice);
        using var admin = node.Host.ClientWith(Admin);
        var job = await alice.CallAsync("sleep", 30);

        Assert.Equal(job.JobId, (await admin.JobAsync(job.JobId)).JobId);
        using var cancel = await admin.DeleteAsync($"/jobs/{job.JobId}?force=true");

        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal(FutureState.Cancelled, (await alice.FutureAsync(job.FutureIds![0], waitSeconds: 30)).State);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task The_dashboard_asks_a_browser_to_sign_in()
    {
        using var anonymous = node.Host.ClientWith(null);

        using var response = await anonymous.GetAsync("/hangfire");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Basic");
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task The_dashboard_refuses_a_key_that_is_not_an_admins()
    {
        using var alice = node.Host.ClientWith(Alice);

        using var response = await alice.GetAsync("/hangfire");

        await response.ProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task An_admin_signs_in_to_the_dashboard_with_the_key_as_password()
    {
        using var browser = node.Host.ClientWith(null);
        browser.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"anyone:{Admin}")));

        using var response = await browser.GetAsync("/hangfire");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("JobService queue", await response.Content.ReadAsStringAsync());
    }

    [Fact(Timeout = Timeouts.Test)]
    public async Task The_dashboard_is_read_only_even_for_an_admin()
    {
        using var admin = node.Host.ClientWith(Admin);
        var job = await admin.CallAsync("echo", 3);

        using var delete = await admin.PostAsync("/hangfire/jobs/enqueued/delete",
            new FormUrlEncodedContent([new("jobs[]", "1"), new("jobs[]", "2")]));

        Assert.False(delete.IsSuccessStatusCode);
        Assert.Equal(3, (await admin.FutureAsync(job.FutureIds![0], waitSeconds: 60)).Result!.Value.GetInt32());
    }
}

public sealed class ApiKeyTests(KeyedHostFixture node) : ApiKeyContract(node), IClassFixture<KeyedHostFixture>;

public sealed class ApiKeyTestsOnPostgreSql(KeyedPostgresHostFixture node) : ApiKeyContract(node), IClassFixture<KeyedPostgresHostFixture>;
