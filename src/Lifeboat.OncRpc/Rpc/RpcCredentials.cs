namespace Lifeboat.OncRpc.Rpc;

/// <summary>The credentials of a call: AUTH_NONE, or AUTH_SYS with its parameters.</summary>
public sealed class RpcCredentials
{
    public static readonly RpcCredentials None = new(AuthFlavor.None, null);

    private RpcCredentials(AuthFlavor flavor, AuthSysParameters? sys)
    {
        Flavor = flavor;
        Sys = sys;
    }

    public AuthFlavor Flavor { get; }

    /// <summary>The AUTH_SYS parameters when <see cref="Flavor"/> is <see cref="AuthFlavor.Sys"/>, else null.</summary>
    public AuthSysParameters? Sys { get; }

    public static RpcCredentials FromSys(AuthSysParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return new RpcCredentials(AuthFlavor.Sys, parameters);
    }

    public override string ToString() =>
        Sys is null ? "AUTH_NONE" : $"AUTH_SYS uid={Sys.Uid} gid={Sys.Gid} machine={Sys.MachineName}";
}
