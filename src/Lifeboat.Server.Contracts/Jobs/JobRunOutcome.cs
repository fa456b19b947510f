using System.Text.Json.Serialization;

namespace Lifeboat.Server.Contracts.Jobs;

[JsonConverter(typeof(JsonStringEnumConverter<JobRunOutcome>))]
public enum JobRunOutcome
{
    Running,
    Succeeded,
    Failed,

    /// <summary>The server stopped during the run; the run is tried again when the server starts.</summary>
    Interrupted,
}
