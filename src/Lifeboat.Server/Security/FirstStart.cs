using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Data;
using Lifeboat.Server.Hosting;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Server.Security;

/// <summary>
/// The way in on a new data folder: user <c>admin</c> with a random password written to
/// <c>&lt;data&gt;/initial-admin-password</c> (0600; never printed, so never in whatever the output is redirected to),
/// which the console asks the admin to replace at the first sign-in and which goes when they do; and an admin API
/// token in <c>&lt;data&gt;/api-token</c> (0600) for the CLI. A token file that has gone missing is replaced by a new
/// token (the old one is revoked).
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
            OwnerOnlyFile.Write(data.InitialAdminPassword, password + "\n");
            var message = $"Lifeboat: first start; created user '{AdminUser}' (role admin) whose password is in {data.InitialAdminPassword} (readable by root only)";
            // Printed on the server's own terminal only (never in a REST answer or a page), beside the CLI that sets a password.
            var advice = $"Lifeboat: sign in to the console with it and set your own (the console asks; or `lifeboat user password {AdminUser}`): the file goes then. The CLI signs in with the token in {data.ApiToken}.";
            if (json)
            {
                stdout.WriteLine(FirstStartJson(now, message + " " + advice["Lifeboat: ".Length..], data.InitialAdminPassword, data.ApiToken));
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

    /// <summary>The notice in the shape of the JSON console formatter's lines, so whatever reads them reads this one too.</summary>
    private static string FirstStartJson(DateTimeOffset now, string message, string passwordFile, string tokenFile)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("Timestamp", now.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
            writer.WriteString("LogLevel", "Information");
            writer.WriteString("Category", typeof(FirstStart).FullName);
            writer.WriteString("Message", message);
            writer.WriteStartObject("State");
            writer.WriteString("User", AdminUser);
            writer.WriteString("Role", LifeboatRoles.Admin);
            writer.WriteString("PasswordFile", passwordFile);
            writer.WriteString("TokenFile", tokenFile);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
