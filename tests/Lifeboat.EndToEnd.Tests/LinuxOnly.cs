using System.Runtime.Versioning;

// Network namespaces, /proc, QEMU and libnfs's tools: these scenarios exist only on Linux.
[assembly: SupportedOSPlatform("linux")]
