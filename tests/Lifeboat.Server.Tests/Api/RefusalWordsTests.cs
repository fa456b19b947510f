using System.Text.Json;
using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Tests.Support;

namespace Lifeboat.Server.Tests.Api;

/// <summary>
/// One server's refusals in the words of whoever reads them: the CLI names the flag (or argument) of the field each
/// command group's refusal names, and the OpenAPI document lists every operation's error answers as problem details.
/// </summary>
public sealed class RefusalWordsTests(RefusalWordsTests.Server server) : IClassFixture<RefusalWordsTests.Server>
{
    [Theory]
    [InlineData("(PATH)", "repo", "add", "/nonexistent-lifeboat-repository")]
    [InlineData("(NAME)", "user", "add", "bad name!", "--role", "viewer")]
    [InlineData("(NAME)", "token", "create", "bad name!", "--role", "viewer")]
    [InlineData("(NAME)", "host", "add", "local", "--connect", "qemu:///system")]
    [InlineData("(PATH)", "datastore", "add", "d1", "/nonexistent-lifeboat-datastore")]
    [InlineData("(--host)", "verify", "--boot", "--vm", "vm1", "--host", "nosuch")]
    [InlineData("(VM[@RESTORE_POINT])", "files", "a/b")]
    [InlineData("(--url)", "notify", "add-webhook", "w1", "--url", "ftp://example.com/hook")]
    [InlineData("(--disk)", "attach-disk", "vm1", "--disk", "300", "--to-vm", "x")]
    [InlineData("(--limit)", "audit", "--limit", "0")]
    [InlineData("(--ready-when)", "instant-recover", "--vm", "vm1", "--ready-when", "whenever")]
    public void The_CLI_names_the_flag_of_the_field_the_server_refused(string flag, params string[] arguments)
    {
        var refused = LifeboatProcess.Run(server.Cli, arguments);
        Assert.True(refused.ExitCode != 0, $"lifeboat {string.Join(' ', arguments)} succeeded:\n{refused.Stdout}");
        Assert.EndsWith(flag, refused.Stderr.Trim(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", refused.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_OpenAPI_document_lists_each_operations_error_answers_as_problem_details()
    {
        using var document = JsonDocument.Parse(await server.Process.Http.GetStringAsync("openapi/v1.json"));
        var root = document.RootElement;
        var error = root.GetProperty("components").GetProperty("schemas").GetProperty("ApiError").GetProperty("properties");
        Assert.All(new[] { "type", "title", "status", "detail", "field", "fields" }, p => Assert.True(error.TryGetProperty(p, out _), p));

        var paths = root.GetProperty("paths");
        string[] Errors(string path, string method) =>
            [.. paths.GetProperty(path).GetProperty(method).GetProperty("responses").EnumerateObject().Select(r => r.Name).Where(s => s[0] is '4' or '5')];
        Assert.Equal(["401", "403", "404", "409"], Errors("/api/jobs/{name}", "delete"));
        Assert.Equal(["400", "401", "403", "409", "413", "415", "503"], Errors("/api/jobs", "post"));
        Assert.Equal(["400", "401", "403", "404", "409", "413", "415", "429"], Errors("/api/users/{name}/password", "post"));
        Assert.Equal(["400", "401", "403", "404", "409"], Errors("/api/repositories/check", "post"));
        Assert.Empty(Errors("/health", "get"));

        // Every signed-in operation answers a missing credential and a refused one, each as problem details.
        foreach (var path in paths.EnumerateObject().Where(p => p.Name.StartsWith("/api/", StringComparison.Ordinal)))
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var responses = operation.Value.GetProperty("responses");
                foreach (var status in new[] { "401", "403" })
                {
                    Assert.True(responses.TryGetProperty(status, out var answer), $"{operation.Name} {path.Name} does not list {status}");
                    var schema = answer.GetProperty("content").GetProperty("application/problem+json").GetProperty("schema");
                    Assert.Equal("#/components/schemas/ApiError", schema.GetProperty("$ref").GetString());
                }
            }
        }
    }

    /// <summary>The server the tests share, and the CLI's environment for it (an admin token).</summary>
    public sealed class Server : IAsyncLifetime
    {
        private readonly TestFolder _folder = new();

        public ServerProcess Process { get; private set; } = null!;

        public Dictionary<string, string> Cli { get; private set; } = [];

        public async Task InitializeAsync()
        {
            Process = await ServerProcess.StartAsync(_folder.Combine("data"), [.. ServerProcess.OwnPorts(), "--nbd-port", "0"]);
            Cli = new()
            {
                ["LIFEBOAT_SERVER"] = $"127.0.0.1:{Process.Port}",
                [ApiTokenFile.TokenVariable] = Process.Token,
                ["LIFEBOAT_WEBHOOK_SECRET"] = "a shared secret of the test webhook",
            };
        }

        public async Task DisposeAsync()
        {
            await Process.DisposeAsync();
            _folder.Dispose();
        }
    }
}
