using System.Net;
using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Hosting;
using Lifeboat.Server.Security;
using Lifeboat.Server.Tests.Support;
using Lifeboat.Server.WebConsole;
using Microsoft.Extensions.DependencyInjection;

namespace Lifeboat.Server.Tests.WebConsole;

/// <summary>
/// The console's buttons act through <see cref="ConsoleActions"/> on the server: a viewer who forges a click (the
/// circuit is the browser's to drive) is refused there, and every attempt is in the audit log.
/// </summary>
public sealed class ConsoleActionsTests
{
    [Fact]
    public async Task A_viewer_is_refused_on_the_server_and_every_attempt_is_audited()
    {
        await WithBuiltServerAsync(async (services, actions, audit) =>
        {
            var viewer = SignIn(services, "victor", LifeboatRoles.Viewer);
            var operatorUser = SignIn(services, "olivia", LifeboatRoles.Operator);

            var refused = await actions.StopAsync(viewer, "192.0.2.7", "0badc0de", CancellationToken.None);
            Assert.False(refused.Done);
            Assert.Equal("This needs the operator role and victor has viewer; ask an admin for it.", refused.Message);
            var denied = audit.List(1, who: "victor").Single();
            Assert.Equal(("192.0.2.7", "session.stop", "0badc0de", "denied: needs operator"), (denied.From, denied.Action, denied.Target, denied.Outcome));

            var recover = await actions.RecoverAsync(viewer, null, new RecoveryRequest { Vm = "guest" }, CancellationToken.None);
            Assert.False(recover.Done);
            Assert.Equal("session.recover", audit.List(1, who: "victor").Single().Action);

            // An operator gets through to the session manager, which answers for the unknown session as the REST API does.
            var missing = await actions.StopAsync(operatorUser, "192.0.2.8", "0badc0de", CancellationToken.None);
            Assert.False(missing.Done);
            Assert.Equal("There is no session 0badc0de.", missing.Message);
            var attempted = audit.List(1, who: "olivia").Single();
            Assert.Equal(("session.stop", "refused: " + missing.Message), (attempted.Action, attempted.Outcome));
        });
    }

    [Fact]
    public async Task Admin_actions_are_refused_to_an_operator_and_a_job_refusal_names_its_field()
    {
        await WithBuiltServerAsync(async (services, actions, audit) =>
        {
            var operatorUser = SignIn(services, "olivia", LifeboatRoles.Operator);
            var admin = SignIn(services, "ada", LifeboatRoles.Admin);

            var refused = await actions.AddUserAsync(operatorUser, "192.0.2.9", new AddUserRequest("mallory", LifeboatRoles.Admin, null), CancellationToken.None);
            Assert.Equal((false, "This needs the admin role and olivia has operator; ask an admin for it."), (refused.Done, refused.Message));
            Assert.Null(refused.Secret);
            var denied = audit.List(1, who: "olivia").Single();
            Assert.Equal(("user.add", "mallory (admin)", "denied: needs admin"), (denied.Action, denied.Target, denied.Outcome));
            foreach (var attempt in new[]
            {
                await actions.CreateTokenAsync(operatorUser, null, new CreateTokenRequest("t", LifeboatRoles.Admin), CancellationToken.None),
                await actions.RemoveUserAsync(operatorUser, null, FirstStart.AdminUser, CancellationToken.None),
                await actions.RemoveJobAsync(operatorUser, null, "nightly", CancellationToken.None),
            })
                Assert.False(attempt.Done);

            var job = new Contracts.Jobs.JobSpec("nightly", "web01", new Contracts.Jobs.JobSource(Contracts.Jobs.JobSourceKind.Disks, DiskPaths: ["/srv/web01.raw"]), "whenever", 3);
            var badSchedule = await actions.AddJobAsync(admin, null, job, CancellationToken.None);
            Assert.Equal((false, Jobs.JobSpecField.Schedule), (badSchedule.Done, badSchedule.Field));
            var badKeep = await actions.AddJobAsync(admin, null, job with { Schedule = "every 6h", KeepLast = 0 }, CancellationToken.None);
            Assert.Equal((false, Jobs.JobSpecField.KeepLast), (badKeep.Done, badKeep.Field));
            var noSource = await actions.AddJobAsync(admin, null, job with { Schedule = "every 6h", Source = new Contracts.Jobs.JobSource(Contracts.Jobs.JobSourceKind.Qmp) }, CancellationToken.None);
            Assert.Equal((false, Jobs.JobSpecField.Source), (noSource.Done, noSource.Field));
            Assert.Equal("refused: " + noSource.Message, audit.List(1, who: "ada").Single().Outcome);

            // A principal without a browser session (an API token) has no own password to change here.
            var token = LifeboatClaims.Principal("token:ci", LifeboatRoles.Viewer, "token", LifeboatAuthentication.TokenScheme, 7);
            var noSession = await actions.ChangeOwnPasswordAsync(token, null, "whatever it was", "a new long password", CancellationToken.None);
            Assert.False(noSession.Done);
            Assert.StartsWith("token:ci may change only their own password", noSession.Message, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Datastores_are_declared_and_removed_only_by_an_admin_and_a_refusal_names_its_field()
    {
        await WithBuiltServerAsync(async (services, actions, audit) =>
        {
            using var place = new TestFolder();
            var operatorUser = SignIn(services, "olivia", LifeboatRoles.Operator);
            var admin = SignIn(services, "ada", LifeboatRoles.Admin);
            var registry = services.GetRequiredService<Inventory.DatastoreRegistry>();

            var refused = await actions.AddDatastoreAsync(operatorUser, "192.0.2.9", new("fast", place.Path), CancellationToken.None);
            Assert.Equal((false, "This needs the admin role and olivia has operator; ask an admin for it."), (refused.Done, refused.Message));
            var denied = audit.List(1, who: "olivia").Single();
            Assert.Equal(("datastore.add", $"fast at {place.Path}", "denied: needs admin"), (denied.Action, denied.Target, denied.Outcome));
            Assert.False((await actions.RemoveDatastoreAsync(operatorUser, null, Inventory.DatastoreRegistry.CacheName, CancellationToken.None)).Done);
            Assert.Equal("datastore.remove", audit.List(1, who: "olivia").Single().Action);

            var badName = await actions.AddDatastoreAsync(admin, null, new("no such/name", place.Path), CancellationToken.None);
            Assert.Equal((false, Inventory.DatastoreField.Name), (badName.Done, badName.Field));
            var relative = await actions.AddDatastoreAsync(admin, null, new("fast", "srv/fast"), CancellationToken.None);
            Assert.Equal((false, Inventory.DatastoreField.Path), (relative.Done, relative.Field));
            Assert.Equal("refused: " + relative.Message, audit.List(1, who: "ada").Single().Outcome);
            Assert.Single(registry.List());

            var added = await actions.AddDatastoreAsync(admin, null, new("fast", place.Path), CancellationToken.None);
            Assert.True(added.Done, added.Message);
            var again = await actions.AddDatastoreAsync(admin, null, new("fast", place.Path), CancellationToken.None);
            Assert.Equal((false, Inventory.DatastoreField.Name), (again.Done, again.Field));
            var cache = await actions.RemoveDatastoreAsync(admin, null, Inventory.DatastoreRegistry.CacheName, CancellationToken.None);
            Assert.Equal((false, "Datastore cache is the server's own cache folder; it cannot be removed."), (cache.Done, cache.Message));
            Assert.True((await actions.RemoveDatastoreAsync(admin, null, "fast", CancellationToken.None)).Done);
            Assert.Equal(("datastore.remove", "fast", "ok"), (audit.List(1, who: "ada").Single().Action, audit.List(1, who: "ada").Single().Target, audit.List(1, who: "ada").Single().Outcome));
            Assert.Single(registry.List());
        });
    }

    [Fact]
    public async Task A_removed_demoted_or_signed_out_users_open_page_loses_its_powers_at_the_next_action()
    {
        await WithBuiltServerAsync(async (services, actions, audit) =>
        {
            var users = services.GetRequiredService<Data.UserStore>();
            var sessions = services.GetRequiredService<BrowserSessions>();
            var removed = SignIn(services, "rhea", LifeboatRoles.Admin);
            var demoted = SignIn(services, "dora", LifeboatRoles.Admin);
            var signedOut = SignIn(services, "sami", LifeboatRoles.Admin);

            Assert.True(users.Remove("rhea"));
            var afterRemoval = await actions.AddUserAsync(removed, null, new AddUserRequest("eve", LifeboatRoles.Admin, null), CancellationToken.None);
            Assert.Equal((false, ConsoleActions.SessionEnded), (afterRemoval.Done, afterRemoval.Message));
            Assert.Equal(("user.add", "denied: the browser session has ended"), (audit.List(1, who: "rhea").Single().Action, audit.List(1, who: "rhea").Single().Outcome));

            // No endpoint changes a role today; the database does, as a future one would.
            services.GetRequiredService<Data.ServerDatabase>().Write(connection =>
                Data.ServerDatabase.Execute(connection, "UPDATE users SET role = $role WHERE name = 'dora'", ("$role", LifeboatRoles.Viewer)));
            var afterDemotion = await actions.AddUserAsync(demoted, null, new AddUserRequest("eve", LifeboatRoles.Admin, null), CancellationToken.None);
            Assert.Equal((false, "This needs the admin role and dora has viewer; ask an admin for it."), (afterDemotion.Done, afterDemotion.Message));

            sessions.End(signedOut);
            var afterSignOut = await actions.RemoveUserAsync(signedOut, null, "olga", CancellationToken.None);
            Assert.Equal((false, ConsoleActions.SessionEnded), (afterSignOut.Done, afterSignOut.Message));
            Assert.Null(users.Get("eve"));
        });
    }

    /// <summary>A user in the database signed in through <see cref="BrowserSessions"/>: the principal their cookie would carry.</summary>
    private static System.Security.Claims.ClaimsPrincipal SignIn(IServiceProvider services, string name, string role)
    {
        var user = new Data.StoredUser(name, role, PasswordHasher.Hash(name + "'s password"), DateTimeOffset.UtcNow, "test");
        Assert.True(services.GetRequiredService<Data.UserStore>().Add(user));
        return services.GetRequiredService<BrowserSessions>().Begin(user, "192.0.2.1");
    }

    /// <summary>Runs <paramref name="test"/> on the services of a server that is built, not started: its own, and nothing listens.</summary>
    private static async Task WithBuiltServerAsync(Func<IServiceProvider, ConsoleActions, AuditLog, Task> test)
    {
        using var folder = new TestFolder();
        var (app, dataLock) = ServerApp.Build(new ServerOptions { DataDirectory = folder.Combine("data"), Listen = new IPEndPoint(IPAddress.Loopback, 0) });
        using (dataLock)
        await using (app)
            await test(app.Services, app.Services.GetRequiredService<ConsoleActions>(), app.Services.GetRequiredService<AuditLog>());
    }
}
