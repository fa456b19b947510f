namespace Lifeboat.Hypervisors.Libvirt.Native;

/// <summary>
/// libvirt's default event loop on a thread of its own, started once before the first connection: without it a
/// remote connection has no keepalive, and a call to a host that vanished from the network (no reset, no refusal)
/// waits for TCP to give up, many minutes. With it, <see cref="LibvirtConnection"/> sets a keepalive that closes a
/// connection whose host stopped answering, and the calls waiting on it fail with libvirt's words.
/// </summary>
internal static class LibvirtEventLoop
{
    private static readonly Lock Gate = new();
    private static bool _started;

    public static void EnsureStarted()
    {
        lock (Gate)
        {
            if (_started)
                return;
            if (LibvirtNative.Initialize() < 0)
                throw new LibvirtException("libvirt could not initialise itself; check the libvirt0 package.");
            if (LibvirtNative.EventRegisterDefaultImpl() < 0)
                throw LibvirtErrors.Last("starting its event loop");
            new Thread(Run) { IsBackground = true, Name = "libvirt event loop" }.Start();
            _started = true;
        }
    }

    private static void Run()
    {
        while (true)
        {
            if (LibvirtNative.EventRunDefaultImpl() < 0)
                LibvirtNative.ResetLastError();
        }
    }
}
