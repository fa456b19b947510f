using System.Net;
using System.Net.Http.Json;
using System.Text;
using Lifeboat.Server.Security;

namespace Lifeboat.Server.Tests.Security;

/// <summary>Input no endpoint can use is a 400 (or 413) with one sentence naming the field, never a 500, and its audit row stays small.</summary>
public sealed class BadInputTests
{
    [Fact]
    public async Task Numbers_that_do_not_fit_NUL_characters_malformed_JSON_and_a_10_MB_name_are_answered_400_with_small_audit_rows()
    {
        await using var secure = await SecureServer.StartAsync();
        using var admin = secure.Client(secure.Server.Token);

        Assert.Equal((HttpStatusCode.BadRequest, "readyTimeoutSeconds must be more than 0 and at most 86400 (24 hours)."),
            await PostAsync(admin, "api/sessions", """{"vm":"web01","readyTimeoutSeconds":1e308}"""));
        Assert.Equal((HttpStatusCode.BadRequest, "readyTimeoutSeconds must be more than 0 and at most 86400 (24 hours)."),
            await PostAsync(admin, "api/sessions", """{"vm":"web01","readyTimeoutSeconds":1e999}"""));
        Assert.Equal((HttpStatusCode.BadRequest, "The field keepLast is not valid JSON of its type (a number that does not fit, text where a number belongs, or a body cut short); fix it and send again."),
            await PostAsync(admin, "api/jobs", """{"name":"j","vm":"v","source":{"kind":"disks","diskPaths":["/srv/a.raw"]},"schedule":"daily 02:00","keepLast":1e308}"""));
        Assert.Equal((HttpStatusCode.BadRequest, "The field path is refused: it holds a NUL character, which no field may; send it without."),
            await PostAsync(admin, "api/repositories", """{"path":"/srv/repo\u0000/x"}"""));
        Assert.Equal((HttpStatusCode.BadRequest, "The request body is not valid JSON of its type (a number that does not fit, text where a number belongs, or a body cut short); fix it and send again."),
            await PostAsync(admin, "api/sessions", """{"vm":"web01",""" + "\n"));

        var huge = new string('v', 10 << 20);
        var (status, message) = await PostAsync(admin, "api/sessions", $$"""{"vm":"{{huge}}"}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(message.Length < 300, $"The answer to a 10 MB name is {message.Length} characters long.");
        var row = (await admin.GetFromJsonAsync("api/audit?action=session.recover&limit=1", ContractsJsonContext.Default.ListAuditEntry))!.Single();
        Assert.StartsWith(new string('v', AuditLog.MaxFieldLength) + "… (cut from " + huge.Length, row.Target, StringComparison.Ordinal);
        Assert.True(row.Target.Length + row.Outcome.Length < 1024, $"The audit row of a 10 MB name is {row.Target.Length + row.Outcome.Length} characters long.");

        var audit = await admin.GetStringAsync("api/audit?limit=20");
        Assert.Contains("refused 400: The field path is refused", audit, StringComparison.Ordinal);
        Assert.DoesNotContain("An unhandled exception", secure.Server.ReadLog(), StringComparison.Ordinal);
    }

    private static async Task<(HttpStatusCode, string)> PostAsync(HttpClient client, string path, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var answer = await client.PostAsync(path, content);
        var error = await answer.Content.ReadFromJsonAsync(ContractsJsonContext.Default.ApiError);
        return (answer.StatusCode, error!.Message);
    }
}
