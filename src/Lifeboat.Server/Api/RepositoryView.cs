namespace Lifeboat.Server.Api;

public sealed record RepositoryView(string Path, bool IsDefault, DateTimeOffset AddedAt);

public sealed record AddRepositoryRequest(string Path);
