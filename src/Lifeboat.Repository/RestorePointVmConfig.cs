namespace Lifeboat.Repository;

/// <summary>The VM configuration saved with a restore point: "json" or "libvirt-xml", the full text, and the parsed hardware.</summary>
public sealed record RestorePointVmConfig(string Format, string Text, VmHardware? Hardware);
