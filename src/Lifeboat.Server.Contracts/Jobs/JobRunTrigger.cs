using System.Text.Json.Serialization;

namespace Lifeboat.Server.Contracts.Jobs;

/// <summary>What started a run.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<JobRunTrigger>))]
public enum JobRunTrigger
{
    Schedule,

    /// <summary><c>lifeboat job run</c> or <c>POST /api/jobs/{name}/run</c>.</summary>
    Manual,

    /// <summary>The run before it failed or was interrupted.</summary>
    Retry,
}
