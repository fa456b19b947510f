namespace Lifeboat.Repository.Manifests;

/// <summary>The VM configuration recorded with a restore point: its dialect, full text and what was parsed from it.</summary>
internal sealed record ManifestVmConfig(string Format, string Text, VmHardware? Hardware);
