namespace Lifeboat.Server.Sessions;

public enum StepResult
{
    Running,
    Ok,
    Skipped,
    Failed,

    /// <summary>The server stopped while the step ran; the step ran again after the restart.</summary>
    Interrupted,
}
