using System.Net;
using System.Net.Http.Json;
using Lifeboat.Server.Api;
using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Security;
using Lifeboat.Server.Tests.Security;

namespace Lifeboat.Server.Tests.Api;

/// <summary>
/// Every refusal is answered in one shape, RFC 9457's problem details: its status, a title, the sentence as detail (and
/// as the older message), and the request's field or fields it is about. One server, each kind of refusal once.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ProblemDetailsTests
{
    [Fact]
    public async Task Not_found_conflict_invalid_fields_and_forbidden_are_problem_details_with_the_sentence_and_the_field()
    {
        await using var secure = await SecureServer.StartAsync();
        var viewer = await secure.CreateTokenAsync("watcher", LifeboatRoles.Viewer);
        using var admin = secure.Client(secure.Server.Token);
        using var watcher = secure.Client(viewer.Secret);

        var missing = await ProblemAsync(await admin.GetAsync("api/jobs/nope"), HttpStatusCode.NotFound);
        Assert.Equal(("There is no job nope.", "name"), (missing.Detail, missing.Field));

        await secure.AddUserAsync("pat", LifeboatRoles.Operator, "a long enough password 1");
        var taken = await ProblemAsync(await admin.PostAsJsonAsync("api/users", new AddUserRequest("pat", LifeboatRoles.Viewer, null)), HttpStatusCode.Conflict);
        Assert.Equal(("There is a user pat already; pick another name, or remove that user first.", AccountField.Name), (taken.Detail, taken.Field));

        var invalid = await ProblemAsync(await admin.PostAsJsonAsync("api/users", new AddUserRequest("bad name!", "Emperor", null)), HttpStatusCode.BadRequest);
        Assert.Equal([AccountField.Name, AccountField.Role], invalid.Fields!.Select(f => f.Field));
        Assert.Equal(string.Join(" ", invalid.Fields!.Select(f => f.Message)), invalid.Detail);
        Assert.Equal(AccountField.Name, invalid.Field);

        var notTheirs = await ProblemAsync(await watcher.PostAsJsonAsync("api/users/pat/password", new ChangePasswordRequest("another long password 2")), HttpStatusCode.Forbidden);
        Assert.StartsWith("token:watcher may change only their own password", notTheirs.Detail, StringComparison.Ordinal);
        Assert.Null(notTheirs.Fields);

        var needsAdmin = await ProblemAsync(await watcher.DeleteAsync("api/jobs/nope"), HttpStatusCode.Forbidden);
        Assert.StartsWith("This needs the admin role and token:watcher has viewer", needsAdmin.Detail, StringComparison.Ordinal);

        // The refusals an audited endpoint threw are in the audit log with their status and sentence.
        var audit = await admin.GetStringAsync("api/audit?action=user.add&limit=5");
        Assert.Contains("refused 409: There is a user pat already", audit, StringComparison.Ordinal);
    }

    [Fact]
    public void An_argument_a_library_refused_is_a_400_in_its_sentence_without_the_CSharp_parameter()
    {
        var answer = ErrorAnswers.Of(new ArgumentOutOfRangeException("blockSize", "The block size must be a power of two."));
        Assert.Equal(400, answer.Status);
        Assert.Null(answer.Field);
        Assert.Null(answer.Fields);
        Assert.DoesNotContain("blockSize", answer.Detail, StringComparison.Ordinal);
        Assert.StartsWith("The block size must be a power of two", answer.Detail, StringComparison.Ordinal);
    }

    private static async Task<ApiError> ProblemAsync(HttpResponseMessage answer, HttpStatusCode status)
    {
        using (answer)
        {
            var text = await answer.Content.ReadAsStringAsync();
            Assert.True(answer.StatusCode == status, $"{answer.RequestMessage?.Method} {answer.RequestMessage?.RequestUri}: {(int)answer.StatusCode} {text}");
            Assert.Equal(ApiError.ContentType, answer.Content.Headers.ContentType?.MediaType);
            var problem = System.Text.Json.JsonSerializer.Deserialize(text, ContractsJsonContext.Default.ApiError)!;
            Assert.Equal(((int)status, "about:blank"), (problem.Status, problem.Type));
            Assert.False(string.IsNullOrEmpty(problem.Title));
            using var json = System.Text.Json.JsonDocument.Parse(text);
            Assert.Equal(problem.Detail, json.RootElement.GetProperty("message").GetString());
            return problem;
        }
    }
}
