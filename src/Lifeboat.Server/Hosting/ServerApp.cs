using Lifeboat.Hypervisors.Qemu.Host;
using Lifeboat.Server.Api;
using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Data;
using Lifeboat.Server.FileRestore;
using Lifeboat.Server.Inventory;
using Lifeboat.Server.Jobs;
using Lifeboat.Metrics;
using Lifeboat.Server.Metrics;
using Lifeboat.Server.Security;
using Lifeboat.Server.Sessions;
using Lifeboat.Server.WebConsole;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Server.Hosting;

/// <summary>The server process: Kestrel with the REST API and its OpenAPI document (every endpoint but /health and /login signed in), the mount server, the sessions.</summary>
public static class ServerApp
{
    public const string LockFileName = "server.lock";

    /// <summary>Builds the server; the returned lock keeps other servers off the data folder until it is disposed.</summary>
    /// <exception cref="IOException">Another server uses the data folder.</exception>
    public static (WebApplication App, IDisposable DataLock) Build(ServerOptions options)
    {
        var data = new DataFolder(options.DataDirectory);
        // 0700 for a new data folder: it holds the API token, the cookie keys and the database.
        OwnerOnlyFile.CreateFolder(data.Root);
        var dataLock = LockDataFolder(data);
        try
        {
            // The application is lifeboat-server even when a test builds it in its own process: the web console's static
            // web assets manifests are named after it. Its files are beside the program (a published server's wwwroot),
            // not in the data folder that is the content root.
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
            {
                ContentRootPath = data.Root,
                WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot"),
                ApplicationName = typeof(ServerApp).Assembly.GetName().Name,
            });
            builder.Logging.ClearProviders();
            if (options.LogFormat == LogFormat.Json)
            {
                // One object per line (the writer is not indented), UTC times to the millisecond.
                builder.Logging.AddJsonConsole(console =>
                {
                    console.UseUtcTimestamp = true;
                    console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                });
            }
            else
            {
                builder.Logging.AddSimpleConsole(console =>
                {
                    console.SingleLine = true;
                    console.TimestampFormat = "HH:mm:ss.fff ";
                });
            }
            builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
            // It warns that the cookie keys are stored unencrypted: they are, in a 0700 folder, as the database is.
            builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error);
            var certificate = options.Https ? ServerCertificate.Load(options, data) : null;
            builder.WebHost.ConfigureKestrel(kestrel =>
            {
                kestrel.Limits.MaxRequestBodySize = BadRequests.MaxBodyBytes;
                kestrel.Listen(options.Listen, listen =>
                {
                    if (certificate is not null)
                        listen.UseHttps(certificate);
                });
            });
            builder.Services.ConfigureHttpJsonOptions(json =>
            {
                json.SerializerOptions.TypeInfoResolverChain.Insert(0, ContractsJsonContext.Default);
                json.SerializerOptions.Converters.Add(new TextWithoutNul());
            });
            // A body that does not bind is thrown to BadRequests, which answers it with the field, instead of an empty 400.
            builder.Services.Configure<RouteHandlerOptions>(handlers => handlers.ThrowOnBadRequest = true);
            builder.Services.AddOpenApi(openApi => openApi.AddOperationTransformer<ErrorResponses>());
            WebConsoleSetup.AddWebConsole(builder);

            var database = ServerDatabase.Open(data.Database);
            builder.Services.AddSingleton(options);
            builder.Services.AddSingleton(data);
            builder.Services.AddSingleton(database);
            builder.Services.AddSingleton(TimeProvider.System);
            builder.Services.AddSingleton<SessionStore>();
            builder.Services.AddSingleton<BootProfileStore>();
            builder.Services.AddSingleton<VerificationStore>();
            builder.Services.AddSingleton(new VerificationSlots(options.MaxVerifications));
            builder.Services.AddSingleton<RepositoryStore>();
            builder.Services.AddSingleton<HostStore>();
            builder.Services.AddSingleton<RepositoryRegistry>();
            builder.Services.AddSingleton<DatastoreStore>();
            builder.Services.AddSingleton<DatastoreRegistry>();
            builder.Services.AddSingleton(services => new QemuHost(options.QemuBinary, services.GetRequiredService<ILogger<QemuHost>>()));
            builder.Services.AddSingleton<LibvirtHosts>();
            builder.Services.AddSingleton<HostInventory>();
            builder.Services.AddSingleton<IHostDirectory>(services => services.GetRequiredService<HostInventory>());
            builder.Services.AddSingleton<MountServerService>();
            builder.Services.AddSingleton<SessionServices>();
            builder.Services.AddSingleton<SessionManager>();
            builder.Services.AddSingleton<RunningVms>();
            builder.Services.AddSingleton<Lifeboat.Server.FileRestore.IntoVm.VmFileRestorer>();
            builder.Services.AddSingleton<RetentionGate>();
            builder.Services.AddSingleton<RestorePointActions>();
            builder.Services.AddSingleton<FileRestorePublications>();
            builder.Services.AddSingleton<IApplianceLauncher, GuestfsApplianceLauncher>();
            builder.Services.AddSingleton<FileRestoreSessions>();
            builder.Services.AddSingleton<JobStore>();
            builder.Services.AddSingleton<Lifeboat.Server.Health.RepositoryFigures>();
            builder.Services.AddSingleton<Lifeboat.Server.Health.BackupHealth>();
            builder.Services.AddSingleton<Lifeboat.Server.Health.Dashboard>();
            builder.Services.AddSingleton<Lifeboat.Server.Health.HealthWatcher>();
            builder.Services.AddSingleton<UserStore>();
            builder.Services.AddSingleton<TokenStore>();
            builder.Services.AddSingleton<AuditStore>();
            builder.Services.AddLifeboatSecurity(data);
            builder.Services.AddSingleton<IVmBackupRunner, VmBackupRunner>();
            builder.Services.AddSingleton<IRestorePointVerifier, SessionVerifier>();
            builder.Services.AddSingleton<JobScheduler>();
            builder.Services.AddSingleton<MetricsRegistry>();
            builder.Services.AddSingleton<NotificationChannelStore>();
            builder.Services.AddSingleton<NotificationDeliveryStore>();
            builder.Services.AddSingleton<Lifeboat.Server.Notifications.ServerLogNotifications>();
            builder.Services.AddSingleton<Lifeboat.Server.Notifications.NotificationQueue>();
            builder.Services.AddSingleton<Lifeboat.Server.Notifications.INotificationSink>(services => services.GetRequiredService<Lifeboat.Server.Notifications.NotificationQueue>());
            builder.Services.AddSingleton<Lifeboat.Server.Notifications.NotificationChannels>();
            builder.Services.AddSingleton<Lifeboat.Server.Notifications.WebhookSender>();
            builder.Services.AddSingleton<Lifeboat.Server.Notifications.ConsoleLinks>();
            builder.Services.AddSingleton<Lifeboat.Server.Notifications.NotificationDelivery>();
            builder.Services.AddSingleton<Lifeboat.Server.Notifications.ChannelTest>();
            builder.Services.AddHostedService<Lifeboat.Server.Notifications.NotificationDispatcher>();
            builder.Services.AddHostedService<LifeboatService>();
            // After LifeboatService (the default repository is registered) and before the jobs (it hears every run's end).
            builder.Services.AddHostedService(services => services.GetRequiredService<Lifeboat.Server.Health.HealthWatcher>());
            // After LifeboatService: jobs start once the repository, mount server and sessions are up, and stop before them.
            builder.Services.AddHostedService(services => services.GetRequiredService<JobScheduler>());
            builder.Services.AddSingleton<RepositoryUsageStore>();
            builder.Services.AddSingleton<RepositoryUnregistration>();
            builder.Services.AddSingleton<RepositoryUsageSampler>();
            builder.Services.AddHostedService(services => services.GetRequiredService<RepositoryUsageSampler>());

            var app = builder.Build();
            FirstStart.Ensure(data, app.Services.GetRequiredService<UserStore>(), app.Services.GetRequiredService<TokenStore>(),
                app.Services.GetRequiredService<AuditStore>(), TimeProvider.System, Console.Out, app.Services.GetRequiredService<ILogger<WebApplication>>(),
                json: options.LogFormat == LogFormat.Json);
            if (certificate is not null)
                SecurityLog.ServingHttps(app.Logger, options.Listen.ToString(), CertificateFingerprint.Of(certificate));
            app.UseFrameHeaders();
            app.UseErrorAnswers();
            app.UseUnknownPaths();
            app.UseLifeboatSecurity();
            app.UseInitialPasswordGate();
            app.MapOpenApi().RequireAuthorization(LifeboatPolicies.Viewer);
            HealthEndpoint.Map(app);
            LoginEndpoints.Map(app);
            UserEndpoints.Map(app);
            TokenEndpoints.Map(app);
            AuditEndpoints.Map(app);
            InventoryEndpoints.Map(app);
            RestorePointEndpoints.Map(app);
            RepositoryEndpoints.Map(app);
            DatastoreEndpoints.Map(app);
            HostEndpoints.Map(app);
            SessionEndpoints.Map(app);
            VerificationEndpoints.Map(app);
            DashboardEndpoints.Map(app);
            FileRestoreEndpoints.Map(app);
            FileRestoreToVmEndpoints.Map(app);
            DiskRecoveryEndpoints.Map(app);
            BootProfileEndpoints.Map(app);
            JobEndpoints.Map(app);
            NotificationEndpoints.Map(app);
            WebConsoleSetup.MapWebConsole(app);
            MetricsEndpoint.Map(app).RequireAuthorization(LifeboatPolicies.Viewer);
            return (app, dataLock);
        }
        catch
        {
            dataLock.Dispose();
            throw;
        }
    }

    private static FileStream LockDataFolder(DataFolder data)
    {
        var path = Path.Combine(data.Root, LockFileName);
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new IOException($"Another Lifeboat server uses {data.Root}; stop it first, or start this one with another --data folder.", e);
        }
    }
}
