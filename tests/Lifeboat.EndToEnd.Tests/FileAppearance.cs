using System.Runtime.InteropServices;
using System.Text;

namespace Lifeboat.EndToEnd.Tests;

/// <summary>
/// Calls back, on its own thread blocked in inotify's read, the moment a file of one name appears in a folder.
/// FileSystemWatcher would not do: it raises its events from the thread pool, which a loaded machine starves.
/// </summary>
internal sealed class FileAppearance : IDisposable
{
    private const int CloseOnExec = 0x80000; // IN_CLOEXEC
    private const uint Created = 0x100; // IN_CREATE
    private const uint MovedTo = 0x80; // IN_MOVED_TO
    private const uint Ignored = 0x8000; // IN_IGNORED: the watch was removed (Dispose) or its folder deleted
    private const int Interrupted = 4; // EINTR
    private const int HeaderBytes = 16; // struct inotify_event: wd, mask, cookie, len; then len bytes of name

    private readonly int _inotify;
    private readonly int _watch;
    private readonly byte[] _name;
    private readonly Action _appeared;
    private readonly Thread _thread;

    public FileAppearance(string folder, string name, Action appeared)
    {
        _inotify = InotifyInit(CloseOnExec);
        Assert.True(_inotify >= 0, $"inotify_init1 failed (errno {Marshal.GetLastPInvokeError()})");
        _watch = InotifyAddWatch(_inotify, folder, Created | MovedTo);
        if (_watch < 0)
        {
            int error = Marshal.GetLastPInvokeError();
            _ = Close(_inotify);
            Assert.Fail($"inotify_add_watch of {folder} failed (errno {error})");
        }

        _name = Encoding.UTF8.GetBytes(name);
        _appeared = appeared;
        _thread = new Thread(Watch) { IsBackground = true, Name = $"inotify {name}" };
        _thread.Start();
    }

    public void Dispose()
    {
        _ = InotifyRemoveWatch(_inotify, _watch); // its IN_IGNORED wakes the read
        _thread.Join();
        _ = Close(_inotify);
    }

    private void Watch()
    {
        var buffer = new byte[4096];
        while (true)
        {
            nint read = Read(_inotify, buffer, buffer.Length);
            if (read < 0 && Marshal.GetLastPInvokeError() == Interrupted)
            {
                continue;
            }

            if (read <= 0)
            {
                return;
            }

            for (int at = 0; at + HeaderBytes <= read;)
            {
                uint mask = BitConverter.ToUInt32(buffer, at + 4);
                int length = BitConverter.ToInt32(buffer, at + 12);
                if ((mask & (Created | MovedTo)) != 0 && buffer.AsSpan(at + HeaderBytes, length).TrimEnd((byte)0).SequenceEqual(_name))
                {
                    _appeared();
                }

                if ((mask & Ignored) != 0)
                {
                    return;
                }

                at += HeaderBytes + length;
            }
        }
    }

    [DllImport("libc", EntryPoint = "inotify_init1", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int InotifyInit(int flags);

    [DllImport("libc", EntryPoint = "inotify_add_watch", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int InotifyAddWatch(int inotify, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mask);

    [DllImport("libc", EntryPoint = "inotify_rm_watch", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int InotifyRemoveWatch(int inotify, int watch);

    [DllImport("libc", EntryPoint = "read", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern nint Read(int descriptor, [Out] byte[] buffer, nint count);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Close(int descriptor);
}
