using Lifeboat.Server.Data;
using Lifeboat.Server.Hosting;
using Lifeboat.Server.Inventory;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Server.Sessions;

/// <summary>What every session runner uses.</summary>
public sealed record SessionServices(
    SessionStore Store,
    BootProfileStore BootProfiles,
    VerificationStore Verifications,
    VerificationSlots VerificationSlots,
    RepositoryRegistry Repositories,
    DatastoreRegistry Datastores,
    IHostDirectory Hosts,
    MountServerService MountServer,
    DataFolder Data,
    ServerOptions Options,
    ILoggerFactory LoggerFactory,
    TimeProvider Time,
    RetentionGate Retention,
    Notifications.INotificationSink Notifications);
