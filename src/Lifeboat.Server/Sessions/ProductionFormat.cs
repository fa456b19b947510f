namespace Lifeboat.Server.Sessions;

/// <summary>The image format of the production disk files a VM migrates to.</summary>
public enum ProductionFormat
{
    Raw,
    Qcow2,
}
