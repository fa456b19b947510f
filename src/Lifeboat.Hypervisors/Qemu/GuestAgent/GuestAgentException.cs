namespace Lifeboat.Hypervisors.Qemu.GuestAgent;

/// <summary>The guest agent answered a command with an error object (qemu-ga speaks QMP's wire format).</summary>
public sealed class GuestAgentException(string command, string errorClass, string description)
    : QmpException("Guest agent", command, errorClass, description);
