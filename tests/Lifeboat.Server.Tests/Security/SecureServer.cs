using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Tests.Support;

namespace Lifeboat.Server.Tests.Security;

/// <summary>
/// A real server for the security tests, with no NFS, NBD or portmap ports of its own to fight over (nothing here
/// publishes a disk), and helpers to make users and tokens through its REST API as the first-start admin token.
/// </summary>
internal sealed class SecureServer : IAsyncDisposable
{
    private readonly TestFolder _folder;

    private SecureServer(TestFolder folder, ServerProcess server)
    {
        _folder = folder;
        Server = server;
    }

    public ServerProcess Server { get; }

    public Uri BaseAddress => Server.Http.BaseAddress!;

    public static Task<SecureServer> StartAsync(params string[] extraArguments) => StartAsync(ServerAddress.Loopback, extraArguments);

    public static async Task<SecureServer> StartAsync(ServerAddress address, params string[] extraArguments)
    {
        var folder = new TestFolder();
        try
        {
            var server = await ServerProcess.StartAsync(folder.Combine("data"), address, ["--portmap-port", "0", "--nfs-port", "0", "--nbd-port", "0", .. extraArguments]);
            return new SecureServer(folder, server);
        }
        catch
        {
            folder.Dispose();
            throw;
        }
    }

    public async Task<CreatedTokenView> CreateTokenAsync(string name, string role)
    {
        using var answer = await Server.Http.PostAsJsonAsync("api/tokens", new CreateTokenRequest(name, role), ContractsJsonContext.Default.CreateTokenRequest);
        Assert.Equal(HttpStatusCode.Created, answer.StatusCode);
        return (await answer.Content.ReadFromJsonAsync(ContractsJsonContext.Default.CreatedTokenView))!;
    }

    public async Task RevokeTokenAsync(string name)
    {
        using var answer = await Server.Http.DeleteAsync($"api/tokens/{name}");
        Assert.Equal(HttpStatusCode.NoContent, answer.StatusCode);
    }

    public async Task<AddedUserView> AddUserAsync(string name, string role, string? password)
    {
        using var answer = await Server.Http.PostAsJsonAsync("api/users", new AddUserRequest(name, role, password), ContractsJsonContext.Default.AddUserRequest);
        Assert.Equal(HttpStatusCode.Created, answer.StatusCode);
        return (await answer.Content.ReadFromJsonAsync(ContractsJsonContext.Default.AddedUserView))!;
    }

    /// <summary>A client that sends <paramref name="token"/> (or nothing) and follows no redirect.</summary>
    public HttpClient Client(string? token)
    {
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = BaseAddress };
        if (token is not null)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public BrowserSession Browser() => new(BaseAddress, Server.TrustsCertificate);

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        _folder.Dispose();
    }
}
