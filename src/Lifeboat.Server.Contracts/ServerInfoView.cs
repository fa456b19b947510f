namespace Lifeboat.Server.Contracts;

/// <summary>What `GET /api/server` says: where the server keeps things and how the mount server is reached.</summary>
public sealed record ServerInfoView(
    string Version,
    string DataDirectory,
    string DefaultRepository,
    string NfsEndPoint,
    string Export,
    string Portmap,
    int Publications,
    int ProcessId);
