using System.Text.Json.Serialization;

namespace Lifeboat.Server.Contracts.Sessions;

/// <summary>The phases of an instant-recovery session, in order.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SessionPhase>))]
public enum SessionPhase
{
    Initialization,
    NfsMapping,
    RegisteringAndStarting,

    /// <summary>A disk recovery's hot-plug of the disk into the running VM (disk recoveries only, instead of registering and starting).</summary>
    Attaching,

    /// <summary>A verification's checks inside the guest and its screenshot (verifications only, instead of migration).</summary>
    Verification,
    MigratingToProduction,
    Finalize,
    Stop,
}
