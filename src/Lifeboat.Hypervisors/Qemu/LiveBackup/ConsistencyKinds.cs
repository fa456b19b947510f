namespace Lifeboat.Hypervisors.Qemu.LiveBackup;

/// <summary>The consistency of a point in time, in the words restore points record.</summary>
public static class ConsistencyKinds
{
    /// <summary>The guest agent froze the file systems for the instant.</summary>
    public const string FileSystem = "file-system-consistent";

    /// <summary>What the disks held at that instant, as after a power cut.</summary>
    public const string Crash = "crash-consistent";
}
