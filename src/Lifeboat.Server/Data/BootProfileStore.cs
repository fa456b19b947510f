using System.Globalization;
using System.Text.Json;

namespace Lifeboat.Server.Data;

/// <summary>
/// The boot profile of each VM: the newest recovery or verification that saw its guest answer replaces it. It is kept
/// per VM, not per restore point, since later restore points share the unchanged blocks of the boot path.
/// </summary>
public sealed class BootProfileStore(ServerDatabase database)
{
    public void Save(string vm, StoredBootProfile profile) => database.Write(connection =>
        ServerDatabase.Execute(connection,
            "INSERT INTO boot_profiles (vm, recorded_at, document) VALUES ($vm, $at, $document) " +
            "ON CONFLICT(vm) DO UPDATE SET recorded_at = excluded.recorded_at, document = excluded.document",
            ("$vm", vm), ("$at", profile.RecordedAt.ToString("O", CultureInfo.InvariantCulture)),
            ("$document", JsonSerializer.Serialize(profile, ServerJsonContext.Default.StoredBootProfile))));

    public StoredBootProfile? Get(string vm) => database.Read(connection =>
        ServerDatabase.Scalar(connection, "SELECT document FROM boot_profiles WHERE vm = $vm", ("$vm", vm)) is string document
            ? JsonSerializer.Deserialize(document, ServerJsonContext.Default.StoredBootProfile)
            : null);

    public bool Delete(string vm) => database.Write(connection =>
        ServerDatabase.Execute(connection, "DELETE FROM boot_profiles WHERE vm = $vm", ("$vm", vm)) > 0);
}
