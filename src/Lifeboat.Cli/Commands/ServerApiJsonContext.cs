using Lifeboat.Server.Contracts.Hosts;
using System.Text.Json.Serialization;
using Lifeboat.Server.Contracts.Jobs;
using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Contracts.Storage;

namespace Lifeboat.Cli.Commands;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ServerApiError))]
[JsonSerializable(typeof(ServerInfoDocument))]
[JsonSerializable(typeof(ServerRepositoryDocument))]
[JsonSerializable(typeof(List<ServerRepositoryDocument>))]
[JsonSerializable(typeof(ServerAddRepositoryRequest))]
[JsonSerializable(typeof(ServerRecoveryRequest))]
[JsonSerializable(typeof(ServerMigrationRequest))]
[JsonSerializable(typeof(Lifeboat.Server.Contracts.Sessions.DiskRecoveryRequest))]
[JsonSerializable(typeof(SessionDocument))]
[JsonSerializable(typeof(List<SessionDocument>))]
[JsonSerializable(typeof(SessionOutcomeJson))]
[JsonSerializable(typeof(ServerVerificationRequest))]
[JsonSerializable(typeof(VerificationDocument))]
[JsonSerializable(typeof(List<VerificationDocument>))]
[JsonSerializable(typeof(JobSpec))]
[JsonSerializable(typeof(JobView))]
[JsonSerializable(typeof(List<JobView>))]
[JsonSerializable(typeof(JobRunView))]
[JsonSerializable(typeof(List<JobRunView>))]
[JsonSerializable(typeof(JobRemovedJson))]
[JsonSerializable(typeof(Lifeboat.Server.Contracts.Dashboard.DashboardView))]
[JsonSerializable(typeof(DatastoreRemovedJson))]
[JsonSerializable(typeof(HostRemovedJson))]
[JsonSerializable(typeof(HostView))]
[JsonSerializable(typeof(List<HostView>))]
[JsonSerializable(typeof(AddHostRequest))]
[JsonSerializable(typeof(List<UserView>))]
[JsonSerializable(typeof(AddUserRequest))]
[JsonSerializable(typeof(AddedUserView))]
[JsonSerializable(typeof(ChangePasswordRequest))]
[JsonSerializable(typeof(List<TokenView>))]
[JsonSerializable(typeof(DatastoreView))]
[JsonSerializable(typeof(List<DatastoreView>))]
[JsonSerializable(typeof(AddDatastoreRequest))]
[JsonSerializable(typeof(CreateTokenRequest))]
[JsonSerializable(typeof(CreatedTokenView))]
[JsonSerializable(typeof(List<AuditEntry>))]
[JsonSerializable(typeof(AccountRemovedJson))]
[JsonSerializable(typeof(PasswordSetJson))]
[JsonSerializable(typeof(Lifeboat.Server.Contracts.FileRestore.OpenFileRestoreRequest))]
[JsonSerializable(typeof(Lifeboat.Server.Contracts.FileRestore.FileRestoreSessionView))]
[JsonSerializable(typeof(List<Lifeboat.Server.Contracts.FileRestore.FileRestoreSessionView>))]
[JsonSerializable(typeof(List<Lifeboat.Server.Contracts.FileRestore.GuestFileSystemView>))]
[JsonSerializable(typeof(Lifeboat.Server.Contracts.FileRestore.GuestFolderView))]
[JsonSerializable(typeof(Lifeboat.Server.Contracts.FileRestore.GuestEntryView))]
[JsonSerializable(typeof(List<Lifeboat.Server.Contracts.FileRestore.GuestEntryView>))]
[JsonSerializable(typeof(Lifeboat.Server.Contracts.FileRestore.RestoreToVmRequest))]
[JsonSerializable(typeof(Lifeboat.Server.Contracts.FileRestore.RestoreToVmResult))]
[JsonSerializable(typeof(FilesGetJson))]
internal sealed partial class ServerApiJsonContext : JsonSerializerContext;
