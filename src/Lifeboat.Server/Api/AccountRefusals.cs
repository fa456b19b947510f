using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lifeboat.Server.Api;

/// <summary>The one place an <see cref="AccountException"/> becomes an HTTP answer: its status, its sentence, and when to retry.</summary>
internal static class AccountRefusals
{
    /// <summary>The endpoint's answer: what <paramref name="act"/> returns, or the refusal it throws.</summary>
    public static Results<TOk, JsonHttpResult<ApiError>> Answer<TOk>(HttpContext context, Func<TOk> act) where TOk : IResult
    {
        try
        {
            return act();
        }
        catch (AccountException e)
        {
            return Answer(e, context);
        }
    }

    public static JsonHttpResult<ApiError> Answer(AccountException refused, HttpContext context)
    {
        if (refused.Refusal == AccountRefusal.Throttled)
            context.Response.Headers.RetryAfter = refused.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var error = refused.Problems.Count > 0 ? ApiError.Of(refused.Problems, refused.Message) : new ApiError(refused.Message);
        return TypedResults.Json(error, statusCode: Status(refused.Refusal));
    }

    public static int Status(AccountRefusal refusal) => refusal switch
    {
        AccountRefusal.Invalid => StatusCodes.Status400BadRequest,
        AccountRefusal.NotFound => StatusCodes.Status404NotFound,
        AccountRefusal.Conflict => StatusCodes.Status409Conflict,
        AccountRefusal.Forbidden => StatusCodes.Status403Forbidden,
        _ => StatusCodes.Status429TooManyRequests,
    };
}
