using System.Text.Json.Serialization;
using Lifeboat.Server.Api;
using Lifeboat.Server.Contracts;
using Lifeboat.Server.Contracts.FileRestore;
using Lifeboat.Server.Contracts.Hosts;
using Lifeboat.Server.Contracts.Jobs;
using Lifeboat.Server.Contracts.RestorePoints;
using Lifeboat.Server.Contracts.Repositories;
using Lifeboat.Server.Contracts.Notifications;
using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Contracts.Storage;
using Lifeboat.Server.Inventory;
using Lifeboat.Server.Sessions;

namespace Lifeboat.Server;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(SessionRecord))]
[JsonSerializable(typeof(SessionView))]
[JsonSerializable(typeof(List<SessionView>))]
[JsonSerializable(typeof(List<SessionLogLine>))]
[JsonSerializable(typeof(RecoveryRequest))]
[JsonSerializable(typeof(MigrationRequest))]
[JsonSerializable(typeof(Lifeboat.Server.Contracts.Sessions.DiskRecoveryRequest))]
[JsonSerializable(typeof(Lifeboat.Server.Contracts.Sessions.RecoverAgainRequest))]
[JsonSerializable(typeof(RepositoryView))]
[JsonSerializable(typeof(List<RepositoryView>))]
[JsonSerializable(typeof(AddRepositoryRequest))]
[JsonSerializable(typeof(RepositoryCheckView))]
[JsonSerializable(typeof(List<RepositoryUsageSample>))]
[JsonSerializable(typeof(List<RestorePointView>))]
[JsonSerializable(typeof(RestorePointView))]
[JsonSerializable(typeof(RestorePointDeletedView))]
[JsonSerializable(typeof(HostView))]
[JsonSerializable(typeof(List<HostView>))]
[JsonSerializable(typeof(AddHostRequest))]
[JsonSerializable(typeof(NotificationChannelRequest))]
[JsonSerializable(typeof(NotificationChannelView))]
[JsonSerializable(typeof(List<NotificationChannelView>))]
[JsonSerializable(typeof(EmailChannelSettings))]
[JsonSerializable(typeof(WebhookChannelSettings))]
[JsonSerializable(typeof(NotificationDeliveryView))]
[JsonSerializable(typeof(List<NotificationDeliveryView>))]
[JsonSerializable(typeof(ServerInfoView))]
[JsonSerializable(typeof(ApiError))]
[JsonSerializable(typeof(Data.StoredBootProfile))]
[JsonSerializable(typeof(VerificationOutcome))]
[JsonSerializable(typeof(BootProfileView))]
[JsonSerializable(typeof(VerificationRequest))]
[JsonSerializable(typeof(VerificationView))]
[JsonSerializable(typeof(List<VerificationView>))]
[JsonSerializable(typeof(JobSpec))]
[JsonSerializable(typeof(JobView))]
[JsonSerializable(typeof(List<JobView>))]
[JsonSerializable(typeof(JobRunView))]
[JsonSerializable(typeof(List<JobRunView>))]
[JsonSerializable(typeof(UserView))]
[JsonSerializable(typeof(List<UserView>))]
[JsonSerializable(typeof(AddUserRequest))]
[JsonSerializable(typeof(AddedUserView))]
[JsonSerializable(typeof(TokenView))]
[JsonSerializable(typeof(DatastoreView))]
[JsonSerializable(typeof(List<DatastoreView>))]
[JsonSerializable(typeof(AddDatastoreRequest))]
[JsonSerializable(typeof(List<TokenView>))]
[JsonSerializable(typeof(CreateTokenRequest))]
[JsonSerializable(typeof(CreatedTokenView))]
[JsonSerializable(typeof(List<AuditEntry>))]
[JsonSerializable(typeof(WhoAmIView))]
[JsonSerializable(typeof(ChangePasswordRequest))]
[JsonSerializable(typeof(OpenFileRestoreRequest))]
[JsonSerializable(typeof(RestoreToVmRequest))]
[JsonSerializable(typeof(RestoreToVmResult))]
[JsonSerializable(typeof(FileRestoreSessionView))]
[JsonSerializable(typeof(List<FileRestoreSessionView>))]
[JsonSerializable(typeof(List<GuestFileSystemView>))]
[JsonSerializable(typeof(GuestFolderView))]
[JsonSerializable(typeof(GuestEntryView))]
[JsonSerializable(typeof(List<GuestEntryView>))]
[JsonSerializable(typeof(Lifeboat.Server.Contracts.Dashboard.DashboardView))]
public sealed partial class ServerJsonContext : JsonSerializerContext;
