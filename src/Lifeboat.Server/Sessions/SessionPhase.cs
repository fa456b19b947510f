namespace Lifeboat.Server.Sessions;

/// <summary>The phases of an instant-recovery session, in order.</summary>
public enum SessionPhase
{
    Initialization,
    NfsMapping,
    RegisteringAndStarting,
    MigratingToProduction,
    Finalize,
    Stop,
}
