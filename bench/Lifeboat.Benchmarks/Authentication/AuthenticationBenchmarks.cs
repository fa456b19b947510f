using BenchmarkDotNet.Attributes;

namespace Lifeboat.Benchmarks.Authentication;

/// <summary>The cost of authentication per REST call, BenchmarkDotNet's way (see <see cref="AuthenticationCostReport"/> on a busy machine).</summary>
[MemoryDiagnoser]
public class AuthenticationBenchmarks
{
    private AuthenticatedApps _apps = null!;

    [GlobalSetup]
    public async Task SetUp() => _apps = await AuthenticatedApps.StartAsync();

    [Benchmark(Baseline = true, Description = "no authentication")]
    public Task<string> Open() => _apps.Open.GetStringAsync(AuthenticatedApps.ProbePath);

    [Benchmark(Description = "API token")]
    public Task<string> Token() => _apps.Token.GetStringAsync(AuthenticatedApps.ProbePath);

    [Benchmark(Description = "browser cookie")]
    public Task<string> Cookie() => _apps.Cookie.GetStringAsync(AuthenticatedApps.ProbePath);

    [GlobalCleanup]
    public async Task CleanUp() => await _apps.DisposeAsync();
}
