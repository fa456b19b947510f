using System.Net.Http.Json;
using Lifeboat.Server.Contracts.Jobs;

namespace Lifeboat.Cli.Commands;

/// <summary>The CLI's side of changing a job: read it, put its new definition, enable or disable it.</summary>
internal sealed class JobEditClient(ServerClient server)
{
    public Task<JobView> GetAsync(string name, CancellationToken ct) => server.GetAsync(Path(name), ContractsJsonContext.Default.JobView, ct);

    public Task<JobView> PutAsync(JobSpec spec, CancellationToken ct) =>
        server.SendAsync(HttpMethod.Put, Path(spec.Name), JsonContent.Create(spec, ContractsJsonContext.Default.JobSpec), ContractsJsonContext.Default.JobView, ct);

    public Task<JobView> SetEnabledAsync(string name, bool enabled, CancellationToken ct) =>
        server.SendAsync(HttpMethod.Post, $"{Path(name)}/{(enabled ? "enable" : "disable")}", null, ContractsJsonContext.Default.JobView, ct);

    private static string Path(string name) => $"api/jobs/{Uri.EscapeDataString(name)}";
}
