using System.Text.Json.Serialization;
using Lifeboat.Server.Contracts.Dashboard;
using Lifeboat.Server.Contracts.FileRestore;
using Lifeboat.Server.Contracts.Hosts;
using Lifeboat.Server.Contracts.Jobs;
using Lifeboat.Server.Contracts.Notifications;
using Lifeboat.Server.Contracts.Repositories;
using Lifeboat.Server.Contracts.RestorePoints;
using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Contracts.Sessions;
using Lifeboat.Server.Contracts.Storage;

namespace Lifeboat.Server.Contracts;

/// <summary>
/// Every REST document, listed once, with the options the server and the CLI both read and write them with: camelCase
/// names, enums as their names, nulls written. The server chains it into its HTTP options; the CLI calls its typed infos.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ApiError))]
[JsonSerializable(typeof(ServerInfoView))]
[JsonSerializable(typeof(DashboardView))]
[JsonSerializable(typeof(SessionView))]
[JsonSerializable(typeof(List<SessionView>))]
[JsonSerializable(typeof(List<SessionLogLine>))]
[JsonSerializable(typeof(RecoveryRequest))]
[JsonSerializable(typeof(MigrationRequest))]
[JsonSerializable(typeof(DiskRecoveryRequest))]
[JsonSerializable(typeof(RecoverAgainRequest))]
[JsonSerializable(typeof(VerificationRequest))]
[JsonSerializable(typeof(VerificationView))]
[JsonSerializable(typeof(List<VerificationView>))]
[JsonSerializable(typeof(VerificationOutcome))]
[JsonSerializable(typeof(RepositoryView))]
[JsonSerializable(typeof(List<RepositoryView>))]
[JsonSerializable(typeof(AddRepositoryRequest))]
[JsonSerializable(typeof(RepositoryCheckView))]
[JsonSerializable(typeof(List<RepositoryUsageSample>))]
[JsonSerializable(typeof(RestorePointView))]
[JsonSerializable(typeof(List<RestorePointView>))]
[JsonSerializable(typeof(RestorePointDeletedView))]
[JsonSerializable(typeof(BootProfileView))]
[JsonSerializable(typeof(HostView))]
[JsonSerializable(typeof(List<HostView>))]
[JsonSerializable(typeof(AddHostRequest))]
[JsonSerializable(typeof(DatastoreView))]
[JsonSerializable(typeof(List<DatastoreView>))]
[JsonSerializable(typeof(AddDatastoreRequest))]
[JsonSerializable(typeof(NotificationChannelRequest))]
[JsonSerializable(typeof(NotificationChannelView))]
[JsonSerializable(typeof(List<NotificationChannelView>))]
[JsonSerializable(typeof(EmailChannelSettings))]
[JsonSerializable(typeof(WebhookChannelSettings))]
[JsonSerializable(typeof(NotificationDeliveryView))]
[JsonSerializable(typeof(List<NotificationDeliveryView>))]
[JsonSerializable(typeof(JobSpec))]
[JsonSerializable(typeof(JobView))]
[JsonSerializable(typeof(List<JobView>))]
[JsonSerializable(typeof(JobRunView))]
[JsonSerializable(typeof(List<JobRunView>))]
[JsonSerializable(typeof(UserView))]
[JsonSerializable(typeof(List<UserView>))]
[JsonSerializable(typeof(AddUserRequest))]
[JsonSerializable(typeof(AddedUserView))]
[JsonSerializable(typeof(ChangePasswordRequest))]
[JsonSerializable(typeof(TokenView))]
[JsonSerializable(typeof(List<TokenView>))]
[JsonSerializable(typeof(CreateTokenRequest))]
[JsonSerializable(typeof(CreatedTokenView))]
[JsonSerializable(typeof(List<AuditEntry>))]
[JsonSerializable(typeof(WhoAmIView))]
[JsonSerializable(typeof(OpenFileRestoreRequest))]
[JsonSerializable(typeof(FileRestoreSessionView))]
[JsonSerializable(typeof(List<FileRestoreSessionView>))]
[JsonSerializable(typeof(List<GuestFileSystemView>))]
[JsonSerializable(typeof(GuestFolderView))]
[JsonSerializable(typeof(GuestEntryView))]
[JsonSerializable(typeof(List<GuestEntryView>))]
[JsonSerializable(typeof(RestoreToVmRequest))]
[JsonSerializable(typeof(RestoreToVmResult))]
public sealed partial class ContractsJsonContext : JsonSerializerContext;
