using Lifeboat.Server.Contracts.Jobs;
using Lifeboat.Server.Jobs;
using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Lifeboat.Server.Api;

/// <summary>/api/jobs: scheduled backup jobs, running one now, and their runs.</summary>
public static class JobEndpoints
{
    private const int MaxHistoryLimit = 10_000;

    public static void Map(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/jobs").WithTags("Jobs");
        group.MapGet("/", List).WithSummary("Every backup job, by name, with its next run and its last run.").RequireAuthorization(LifeboatPolicies.Viewer);
        group.MapPost("/", Add).WithSummary("Adds a backup job; it runs by its schedule from now on.").RequireAuthorization(LifeboatPolicies.Admin)
            .Refuses(StatusCodes.Status503ServiceUnavailable)
            .Audited("job.add", (context, _) => context.Arguments.OfType<JobSpec>().FirstOrDefault()?.Name ?? "");
        group.MapGet("/{name}", Get).WithSummary("A job with its next run and its last run.").RequireAuthorization(LifeboatPolicies.Viewer);
        group.MapPut("/{name}", Edit).WithSummary("Changes a job's definition (not its name); its next run is computed again.")
            .RequireAuthorization(LifeboatPolicies.Admin).Refuses(StatusCodes.Status503ServiceUnavailable).Audited("job.edit");
        group.MapPost("/{name}/enable", Enable).WithSummary("Enables a job: it runs by its schedule again.")
            .RequireAuthorization(LifeboatPolicies.Admin).Audited("job.enable");
        group.MapPost("/{name}/disable", Disable).WithSummary("Disables a job: it no longer runs by its schedule nor retries; Run now still runs it.")
            .RequireAuthorization(LifeboatPolicies.Admin).Audited("job.disable");
        group.MapDelete("/{name}", Remove).WithSummary("Removes a job and its history; its restore points stay.")
            .RequireAuthorization(LifeboatPolicies.Admin).Audited("job.remove");
        group.MapPost("/{name}/run", Run).WithSummary("Runs the job now, in the background; follow the run in its history.")
            .RequireAuthorization(LifeboatPolicies.Operator).Audited("job.run");
        group.MapGet("/{name}/history", History).WithSummary("The job's runs, newest first; ?limit= keeps the newest N.").RequireAuthorization(LifeboatPolicies.Viewer);
        group.MapGet("/{name}/history/{id:long}", GetRun).WithSummary("One run of the job.").RequireAuthorization(LifeboatPolicies.Viewer);
    }

    private static Ok<List<JobView>> List(JobScheduler jobs) => TypedResults.Ok(jobs.List().ToList());

    private static Created<JobView> Add(JobSpec spec, JobScheduler jobs) =>
        Answered.Created(jobs.Add(spec), job => $"/api/jobs/{Uri.EscapeDataString(job.Spec.Name)}");

    private static Ok<JobView> Get(string name, JobScheduler jobs) => TypedResults.Ok(jobs.Get(name) ?? throw JobScheduler.NoJob(name));

    private static Ok<JobView> Edit(string name, JobSpec spec, JobScheduler jobs) => TypedResults.Ok(jobs.Edit(name, spec));

    private static Ok<JobView> Enable(string name, JobScheduler jobs) => TypedResults.Ok(jobs.SetEnabled(name, true));

    private static Ok<JobView> Disable(string name, JobScheduler jobs) => TypedResults.Ok(jobs.SetEnabled(name, false));

    private static NoContent Remove(string name, JobScheduler jobs) => Answered.After(() => jobs.Remove(name));

    private static Accepted<JobRunView> Run(string name, JobScheduler jobs)
    {
        var run = jobs.RunNow(name);
        return TypedResults.Accepted($"/api/jobs/{Uri.EscapeDataString(name)}/history/{run.Id}", run);
    }

    private static Ok<List<JobRunView>> History(string name, int? limit, JobScheduler jobs) =>
        limit is < 1 or > MaxHistoryLimit
            ? throw LifeboatException.Invalid("limit", $"limit must be between 1 and {MaxHistoryLimit}.")
            : TypedResults.Ok(jobs.History(name, limit ?? JobScheduler.DefaultHistoryLimit).ToList());

    private static Ok<JobRunView> GetRun(string name, long id, JobScheduler jobs) =>
        TypedResults.Ok(jobs.GetRun(name, id) ?? throw LifeboatException.NotFound($"Job {name} has no run {id}; its history lists its runs.", "id"));
}
