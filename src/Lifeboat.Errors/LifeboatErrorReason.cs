namespace Lifeboat.Errors;

/// <summary>Why a request was refused. The REST API answers each with its own HTTP status, in one place (the server's ErrorAnswers).</summary>
public enum LifeboatErrorReason
{
    /// <summary>The request's fields are not valid (400).</summary>
    Invalid,

    /// <summary>What the request names does not exist (404).</summary>
    NotFound,

    /// <summary>The request does not fit the state things are in: it exists already, it is running, it is in use (409).</summary>
    Conflict,

    /// <summary>Not the caller's to do, or the current password is wrong (403).</summary>
    Forbidden,

    /// <summary>Too many attempts in a row: wait (429).</summary>
    Throttled,

    /// <summary>Something the request needs is not available now, through no fault of the request (503).</summary>
    Unavailable,
}
