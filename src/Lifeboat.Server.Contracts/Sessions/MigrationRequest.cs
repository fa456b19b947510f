namespace Lifeboat.Server.Contracts.Sessions;

/// <summary>Move a recovered VM's disks to <paramref name="TargetDirectory"/> while it runs, then finalize the session.</summary>
public sealed record MigrationRequest(string TargetDirectory, MigrationMethod Method = MigrationMethod.Mirror, ProductionFormat Format = ProductionFormat.Raw);
