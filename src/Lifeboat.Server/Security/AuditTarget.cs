using Microsoft.AspNetCore.Routing;

namespace Lifeboat.Server.Security;

/// <summary>What an audited call was about, when the route says it: a session id, job name, VM, user or token.</summary>
internal static class AuditTarget
{
    private static readonly string[] Keys = ["id", "name", "vm", "nameOrId"];

    public static string FromRoute(RouteValueDictionary values)
    {
        foreach (var key in Keys)
        {
            if (values.TryGetValue(key, out var value) && value?.ToString() is { Length: > 0 } text)
                return text;
        }

        return "";
    }
}
