using System.Text.Json.Serialization;

namespace Lifeboat.Server.Contracts.Sessions;

[JsonConverter(typeof(JsonStringEnumConverter<StepResult>))]
public enum StepResult
{
    Running,
    Ok,
    Skipped,
    Failed,

    /// <summary>The server stopped while the step ran; the step ran again after the restart.</summary>
    Interrupted,
}
