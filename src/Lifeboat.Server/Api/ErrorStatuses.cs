using Microsoft.AspNetCore.Builder;

namespace Lifeboat.Server.Api;

/// <summary>
/// Error statuses an endpoint can answer beyond those its shape tells (<see cref="ErrorResponses"/> derives those): a
/// throttle's 429, a 404 for what a query names, a 503 for what the server may not have yet.
/// </summary>
public sealed record ErrorStatuses(IReadOnlyList<int> Statuses);

public static class ErrorStatusesEndpoint
{
    public static RouteHandlerBuilder Refuses(this RouteHandlerBuilder builder, params int[] statuses) => builder.WithMetadata(new ErrorStatuses(statuses));
}
