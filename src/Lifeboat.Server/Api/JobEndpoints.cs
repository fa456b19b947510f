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
            .Audited("job.add", (context, _) => context.Arguments.OfType<JobSpec>().FirstOrDefault()?.Name ?? "");
        group.MapGet("/{name}", Get).WithSummary("A job with its next run and its last run.").RequireAuthorization(LifeboatPolicies.Viewer);
        group.MapPut("/{name}", Edit).WithSummary("Changes a job's definition (not its name); its next run is computed again.")
            .RequireAuthorization(LifeboatPolicies.Admin).Audited("job.edit");
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

    private static Results<Created<JobView>, BadRequest<ApiError>, Conflict<ApiError>> Add(JobSpec spec, JobScheduler jobs)
    {
        try
        {
            var job = jobs.Add(spec);
            return TypedResults.Created($"/api/jobs/{Uri.EscapeDataString(job.Spec.Name)}", job);
        }
        catch (ArgumentException e)
        {
            return TypedResults.BadRequest(ApiError.From(e));
        }
        catch (InvalidOperationException e)
        {
            return TypedResults.Conflict(new ApiError(e.Message));
        }
    }

    private static Results<Ok<JobView>, NotFound<ApiError>> Get(string name, JobScheduler jobs) =>
        jobs.Get(name) is { } job ? TypedResults.Ok(job) : TypedResults.NotFound(NoJob(name));

    private static Results<Ok<JobView>, BadRequest<ApiError>, NotFound<ApiError>> Edit(string name, JobSpec spec, JobScheduler jobs)
    {
        try
        {
            return TypedResults.Ok(jobs.Edit(name, spec));
        }
        catch (KeyNotFoundException e)
        {
            return TypedResults.NotFound(new ApiError(e.Message));
        }
        catch (ArgumentException e)
        {
            return TypedResults.BadRequest(new ApiError(e.Message));
        }
    }

    private static Results<Ok<JobView>, NotFound<ApiError>> Enable(string name, JobScheduler jobs) => SetEnabled(name, true, jobs);

    private static Results<Ok<JobView>, NotFound<ApiError>> Disable(string name, JobScheduler jobs) => SetEnabled(name, false, jobs);

    private static Results<Ok<JobView>, NotFound<ApiError>> SetEnabled(string name, bool enabled, JobScheduler jobs)
    {
        try
        {
            return TypedResults.Ok(jobs.SetEnabled(name, enabled));
        }
        catch (KeyNotFoundException e)
        {
            return TypedResults.NotFound(new ApiError(e.Message));
        }
    }

    private static Results<NoContent, NotFound<ApiError>, Conflict<ApiError>> Remove(string name, JobScheduler jobs)
    {
        try
        {
            jobs.Remove(name);
            return TypedResults.NoContent();
        }
        catch (KeyNotFoundException e)
        {
            return TypedResults.NotFound(new ApiError(e.Message));
        }
        catch (InvalidOperationException e)
        {
            return TypedResults.Conflict(new ApiError(e.Message));
        }
    }

    private static Results<Accepted<JobRunView>, NotFound<ApiError>, Conflict<ApiError>> Run(string name, JobScheduler jobs)
    {
        try
        {
            var run = jobs.RunNow(name);
            return TypedResults.Accepted($"/api/jobs/{Uri.EscapeDataString(name)}/history/{run.Id}", run);
        }
        catch (KeyNotFoundException e)
        {
            return TypedResults.NotFound(new ApiError(e.Message));
        }
        catch (InvalidOperationException e)
        {
            return TypedResults.Conflict(new ApiError(e.Message));
        }
    }

    private static Results<Ok<List<JobRunView>>, NotFound<ApiError>, BadRequest<ApiError>> History(string name, int? limit, JobScheduler jobs)
    {
        if (limit is < 1 or > MaxHistoryLimit)
            return TypedResults.BadRequest(new ApiError($"limit must be between 1 and {MaxHistoryLimit}."));
        try
        {
            return TypedResults.Ok(jobs.History(name, limit ?? JobScheduler.DefaultHistoryLimit).ToList());
        }
        catch (KeyNotFoundException e)
        {
            return TypedResults.NotFound(new ApiError(e.Message));
        }
    }

    private static Results<Ok<JobRunView>, NotFound<ApiError>> GetRun(string name, long id, JobScheduler jobs) =>
        jobs.GetRun(name, id) is { } run
            ? TypedResults.Ok(run)
            : TypedResults.NotFound(new ApiError($"Job {name} has no run {id}; list its runs with `lifeboat job history {name}`."));

    private static ApiError NoJob(string name) => new($"There is no job {name}; list them with `lifeboat jobs`.");
}
