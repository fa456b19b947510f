using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lifeboat.Server.Api;

/// <summary>The success answers the endpoints share, now that a refusal is thrown and answered in one place (<see cref="ErrorAnswers"/>).</summary>
internal static class Answered
{
    /// <summary>201 with what was made and where it is now.</summary>
    public static Created<T> Created<T>(T made, Func<T, string> location) => TypedResults.Created(location(made), made);

    /// <summary>204 once <paramref name="act"/> has run: what a removal, or a change with nothing to show, answers.</summary>
    public static NoContent After(Action act)
    {
        act();
        return TypedResults.NoContent();
    }
}
