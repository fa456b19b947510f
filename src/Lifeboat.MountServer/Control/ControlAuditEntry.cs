using Lifeboat.OncRpc.Peers;

namespace Lifeboat.MountServer.Control;

/// <summary>A publish or unpublish asked over the control socket: what, by which process, and how it went.</summary>
/// <param name="Action">"publish" or "unpublish".</param>
/// <param name="Target">The VM asked to publish, or the publication asked to unpublish.</param>
/// <param name="Outcome">"ok: …", "failed: …" or "refused: …".</param>
public sealed record ControlAuditEntry(string Action, string Target, PeerCredentials Caller, string Outcome);
