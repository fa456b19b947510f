using System.Text.Json;
using System.Text.Json.Serialization;
using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Data;
using Lifeboat.Server.Hosting;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Server.Security;

/// <summary>
/// The way in on a new data folder: user <c>admin</c> with a random password printed once on stdout (never through
/// the logger, so never in a log line a collector keeps), and an admin API token in <c>&lt;data&gt;/api-token</c>
/// (0600) for the CLI. A token file that has gone missing is replaced by a new token (the old one is revoked); the
/// password is never shown again.
/// </summary>
public static class FirstStart
{
    public const string AdminUser = "admin";

    /// <summary>The token whose secret is in the data folder's token file.</summary>
    public const string FileTokenName = "local-admin";

    /// <summary>Who created what the server made by itself.</summary>
    public const string ServerCreator = "server";

    /// <param name="json">Print the password as one JSON object (with <c>--log-format json</c>: whatever reads the output reads objects only).</param>
    public static void Ensure(DataFolder data, UserStore users, TokenStore tokens, AuditStore audit, TimeProvider time, TextWriter stdout, ILogger logger, bool json = false)
    {
        var now = time.GetUtcNow();
        if (users.IsEmpty())
        {
            var password = PasswordHasher.Generate();
            users.Add(new StoredUser(AdminUser, LifeboatRoles.Admin, PasswordHasher.Hash(password), now, ServerCreator));
            audit.Append(now, ServerCreator, null, "user.add", AdminUser, "ok: first start");
            var message = $"Lifeboat: first start; created user '{AdminUser}' (role admin) with password {password}";
            var advice = "Lifeboat: this password is shown only now; keep it safe. The CLI signs in with the token in " + data.ApiToken + ".";
            if (json)
            {
                stdout.WriteLine(JsonSerializer.Serialize(new FirstStartMessage(AdminUser, LifeboatRoles.Admin, password, data.ApiToken, message + " " + advice["Lifeboat: ".Length..]),
                    SecurityJsonContext.Default.FirstStartMessage));
            }
            else
            {
                stdout.WriteLine(message);
                stdout.WriteLine(advice);
            }

            stdout.Flush();
        }

        if (File.Exists(data.ApiToken))
            return;
        if (tokens.Get(FileTokenName) is { } old)
            tokens.Revoke(old.Id, now);
        var secret = ApiTokenSecret.Generate();
        tokens.Add(FileTokenName, ApiTokenSecret.Hash(secret), LifeboatRoles.Admin, ServerCreator, now);
        OwnerOnlyFile.Write(data.ApiToken, secret + "\n");
        audit.Append(now, ServerCreator, null, "token.create", FileTokenName, "ok: written to " + ApiTokenFile.FileName);
        SecurityLog.TokenFileWritten(logger, data.ApiToken);
    }
}

/// <summary>What the first start prints in JSON mode: the same sentence, and its facts as fields.</summary>
internal sealed record FirstStartMessage(string User, string Role, string Password, string TokenFile, string Message);

[JsonSerializable(typeof(FirstStartMessage))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class SecurityJsonContext : JsonSerializerContext;
