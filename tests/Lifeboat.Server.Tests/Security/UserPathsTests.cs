using System.Net;
using System.Net.Http.Json;
using System.Text;
using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Contracts.Storage;
using Lifeboat.Server.Tests.Support;

namespace Lifeboat.Server.Tests.Security;

/// <summary>
/// What a user's request may make the server (root) create, as an operator and an admin over REST: VM names that are
/// paths, libvirt URIs that run programs, redirects and migration targets outside the declared datastores, and numbers
/// and paths the framework would throw on, each answered 400 naming the field, before anything is created.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class UserPathsTests
{
    [Fact]
    public async Task Names_that_are_paths_program_uris_and_out_of_range_input_are_400_naming_the_field_and_create_nothing()
    {
        await using var secure = await SecureServer.StartAsync();
        var @operator = await secure.CreateTokenAsync("ops", LifeboatRoles.Operator);
        using var operatorClient = secure.Client(@operator.Secret);
        using var adminClient = secure.Client(secure.Server.Token);
        var data = secure.Server.DataDirectory;
        var before = Tree(data);

        foreach (var (vm, shown) in new[] { ("../../etc", "'../../etc'"), ("a/b", "'a/b'"), ("x\\ny", "'x\\u000ay'"), ("..", "'..'") })
        {
            await ExpectRefusedAsync(operatorClient, "api/sessions", $$"""{"vm":"{{vm}}"}""", $"vm {shown} is not a VM name; give 1 to 128 letters");
            await ExpectRefusedAsync(operatorClient, "api/verifications", $$"""{"vm":"{{vm}}"}""", $"vm {shown} is not a VM name");
            // A job's refusal lists every field's problem in words (ApiError.Fields carries "vm").
            await ExpectRefusedAsync(adminClient, "api/jobs", Job(vm, """{"kind":"Disks","diskPaths":["/tmp/d.raw"]}"""), $"VM {shown} is not a VM name");
        }

        await ExpectRefusedAsync(operatorClient, "api/sessions", """{"vm":"guest","readyTimeoutSeconds":1e308}""", "readyTimeoutSeconds must be more than 0 and at most 86400");
        await ExpectRefusedAsync(operatorClient, "api/sessions", """{"vm":"guest","readyTimeoutSeconds":-1}""", "readyTimeoutSeconds must be more than 0");
        await ExpectRefusedAsync(operatorClient, "api/verifications", """{"vm":"guest","timeoutSeconds":1e308}""", "timeoutSeconds must be more than 0 and at most 86400");
        // A NUL is refused for every field where the JSON is read (BadInputTests); a path's other control characters here.
        await ExpectRefusedAsync(operatorClient, "api/sessions", """{"vm":"a\u0000b"}""", "The field vm is refused: it holds a NUL character");
        await ExpectRefusedAsync(adminClient, "api/repositories", """{"path":"/tmp/repo\u0001x"}""", "path must be a path of 1 to 4096 characters without control characters");
        await ExpectRefusedAsync(adminClient, "api/jobs", Job("vm1", """{"kind":"Disks","diskPaths":["/tmp/a\u0001b"]}"""), "source must be a path");
        await ExpectRefusedAsync(adminClient, "api/jobs", Job("vm1", """{"kind":"Disks","diskPaths":["/tmp/d.raw"]}""", repository: @"/tmp/r\u0001"), "repository must be a path");

        var marker = Path.Combine(secure.Server.DataDirectory + "-ran");
        foreach (var uri in new[] { $"qemu+ext:///system?command={marker}", "qemu+ssh://h/system?command=x", "qemu+ssh://h/system?socket=/run/x", "qemu+ssh://h/system?netcat=/bin/nc", "qemu+unix:///system?socket=/tmp/s" })
        {
            await ExpectRefusedAsync(adminClient, "api/jobs", Job("vm1", $$"""{"kind":"Libvirt","libvirtDomain":"vm1","connectUri":"{{uri}}"}"""),
                $"source.connectUri '{uri}'");
        }

        Assert.Equal(before, Tree(data));
        Assert.Empty((await adminClient.GetFromJsonAsync("api/jobs", ContractsJsonContext.Default.ListJobView))!);
        Assert.Empty((await adminClient.GetFromJsonAsync("api/sessions", ContractsJsonContext.Default.ListSessionView))!);
        Assert.False(File.Exists(marker));
        var audit = await adminClient.GetStringAsync("api/audit?action=session.recover");
        Assert.Contains("refused 400: vm '../../etc' is not a VM name", audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Redirects_and_migration_targets_must_lead_inside_a_datastore_an_admin_declared()
    {
        await using var secure = await SecureServer.StartAsync();
        var @operator = await secure.CreateTokenAsync("ops", LifeboatRoles.Operator);
        using var operatorClient = secure.Client(@operator.Secret);
        using var adminClient = secure.Client(secure.Server.Token);
        var root = Path.GetDirectoryName(secure.Server.DataDirectory)!;
        var production = Directory.CreateDirectory(Path.Combine(root, "production")).FullName;
        var secret = Directory.CreateDirectory(Path.Combine(root, "root-only"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute).FullName;
        File.CreateSymbolicLink(Path.Combine(production, "escape"), secret);

        // Declared by an admin only; the server's cache folder is always one.
        var declare = new AddDatastoreRequest("prod", production);
        using (var refused = await operatorClient.PostAsJsonAsync("api/datastores", declare, ContractsJsonContext.Default.AddDatastoreRequest))
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        var outside = new[] { Path.Combine(secret, "a", "b", "c"), Path.Combine(production, "..", "root-only", "x"), Path.Combine(production, "escape", "x"), "/etc/lifeboat" };
        foreach (var target in outside)
            await ExpectOutsideAsync(operatorClient, target, datastores: [Path.Combine(secure.Server.DataDirectory, "cache")]);

        using (var added = await adminClient.PostAsJsonAsync("api/datastores", declare, ContractsJsonContext.Default.AddDatastoreRequest))
        {
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);
            Assert.Equal(new DatastoreView("prod", production, false, null), (await added.Content.ReadFromJsonAsync(ContractsJsonContext.Default.DatastoreView))! with { AddedAt = null });
        }

        foreach (var target in outside)
            await ExpectOutsideAsync(operatorClient, target, datastores: [Path.Combine(secure.Server.DataDirectory, "cache"), production]);
        Assert.Empty(Directory.GetFileSystemEntries(secret));
        Assert.False(Directory.Exists("/etc/lifeboat"));

        // Inside a datastore a redirect is accepted, and kept as it really leads.
        using (var inside = await operatorClient.PostAsync("api/sessions", Json($$"""{"vm":"guest","powerOn":false,"redirectWritesTo":"{{production}}/caches/../caches"}""")))
            Assert.Equal(HttpStatusCode.Created, inside.StatusCode);

        using (var again = await adminClient.PostAsJsonAsync("api/datastores", new AddDatastoreRequest("other", production + "/"), ContractsJsonContext.Default.AddDatastoreRequest))
        {
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
            Assert.Contains("Datastore prod is declared already", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        await ExpectRefusedAsync(adminClient, "api/datastores", """{"name":"gone","path":"/no/such/folder"}""", "path '/no/such/folder' is not an existing folder");
        await ExpectRefusedAsync(adminClient, "api/datastores", """{"name":"all","path":"/"}""", "path '/' would let operators write anywhere");
        await ExpectRefusedAsync(adminClient, "api/datastores", """{"name":"../x","path":"/tmp"}""", "name '../x' is not a datastore name");
        await ExpectRefusedAsync(adminClient, "api/datastores", """{"name":"nul","path":"/tmp\u0001"}""", "path must be a folder's absolute path");

        using var viewer = secure.Client((await secure.CreateTokenAsync("look", LifeboatRoles.Viewer)).Secret);
        var listed = (await viewer.GetFromJsonAsync("api/datastores", ContractsJsonContext.Default.ListDatastoreView))!;
        Assert.Equal([("cache", Path.Combine(secure.Server.DataDirectory, "cache"), true), ("prod", production, false)], listed.Select(d => (d.Name, d.Path, d.BuiltIn)));

        using (var builtIn = await adminClient.DeleteAsync("api/datastores/cache"))
            Assert.Equal(HttpStatusCode.Conflict, builtIn.StatusCode);
        using (var removed = await adminClient.DeleteAsync("api/datastores/prod"))
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        await ExpectOutsideAsync(operatorClient, Path.Combine(production, "vm"), datastores: [Path.Combine(secure.Server.DataDirectory, "cache")]);

        var audit = await adminClient.GetFromJsonAsync("api/audit?limit=100", ContractsJsonContext.Default.ListAuditEntry);
        Assert.Contains(audit!, e => e.Action == "datastore.add" && e.Target == $"prod at {production}" && e.Outcome == "ok");
        Assert.Contains(audit!, e => e.Action == "datastore.add" && e.Who == "token:ops" && e.Outcome.StartsWith("denied", StringComparison.Ordinal));
        Assert.Contains(audit!, e => e.Action == "datastore.remove" && e.Target == "prod" && e.Outcome == "ok");
    }

    private static async Task ExpectOutsideAsync(HttpClient client, string target, IReadOnlyList<string> datastores)
    {
        var places = $"is outside the places Lifeboat may write ({string.Join(", ", datastores)})";
        await ExpectRefusedAsync(client, "api/sessions", $$"""{"vm":"guest","redirectWritesTo":"{{target}}"}""", $"redirectWritesTo '{target}'", places);
        await ExpectRefusedAsync(client, "api/sessions", $$$"""{"vm":"guest","migrateTo":{"targetDirectory":"{{{target}}}"}}""", $"migrateTo.targetDirectory '{target}'", places);
        await ExpectRefusedAsync(client, "api/sessions/nothing-here/migrate", $$"""{"targetDirectory":"{{target}}"}""", $"targetDirectory '{target}'", places);
    }

    private static async Task ExpectRefusedAsync(HttpClient client, string path, string body, params string[] sentences)
    {
        using var answer = await client.PostAsync(path, Json(body));
        var text = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.StatusCode == HttpStatusCode.BadRequest, $"POST {path} {body}: {(int)answer.StatusCode} {text}");
        var message = System.Text.Json.JsonDocument.Parse(text).RootElement.GetProperty("message").GetString()!;
        foreach (var sentence in sentences)
            Assert.Contains(sentence, message, StringComparison.Ordinal);
    }

    private static string Job(string vm, string source, string? repository = null) =>
        $$"""{"name":"j1","vm":"{{vm}}","source":{{source}},"schedule":"every 1h","keepLast":1{{(repository is null ? "" : $",\"repository\":\"{repository}\"")}}}""";

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    /// <summary>Everything in the data folder and beside it, where `<cache>/../../etc-XXXX` would have landed.</summary>
    private static List<string> Tree(string data) =>
        [.. Directory.GetFileSystemEntries(Path.GetDirectoryName(data)!, "*", SearchOption.AllDirectories)
            .Where(p => !p.EndsWith(".log", StringComparison.Ordinal) && !p.Contains("lifeboat.db", StringComparison.Ordinal) && !p.Contains("/keys/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)];
}
