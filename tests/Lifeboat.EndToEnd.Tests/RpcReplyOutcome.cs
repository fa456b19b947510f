namespace Lifeboat.EndToEnd.Tests;

/// <summary>What an RPC reply says (RFC 5531's accept_stat and reject_stat), or that none came.</summary>
internal enum RpcReplyOutcome
{
    /// <summary>The server closed the connection instead of replying.</summary>
    Closed,
    Success,
    ProgramUnavailable,
    ProgramMismatch,
    ProcedureUnavailable,
    GarbageArguments,
    SystemError,
    RpcMismatch,
    AuthError,
}
