namespace Lifeboat.Server.Sessions;

/// <summary>The phases of an instant-recovery session, in order.</summary>
public enum SessionPhase
{
    Initialization,
    NfsMapping,
    RegisteringAndStarting,

    /// <summary>A verification's checks inside the guest and its screenshot (verifications only, instead of migration).</summary>
    Verification,
    MigratingToProduction,
    Finalize,
    Stop,
}
