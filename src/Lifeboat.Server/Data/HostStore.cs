using System.Globalization;

namespace Lifeboat.Server.Data;

/// <summary>The hypervisor hosts sessions can run VMs on; the local QEMU/KVM host is registered on the first start.</summary>
public sealed class HostStore(ServerDatabase database)
{
    public void EnsureRegistered(string id, string kind, string name) => database.Write(connection =>
        ServerDatabase.Execute(connection,
            "INSERT INTO hosts (id, kind, name, added_at) VALUES ($id, $kind, $name, $at) ON CONFLICT(id) DO NOTHING",
            ("$id", id), ("$kind", kind), ("$name", name), ("$at", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture))));

    public IReadOnlyList<(string Id, string Kind, string Name)> List() => database.Read(connection =>
    {
        using var command = ServerDatabase.Command(connection, "SELECT id, kind, name FROM hosts ORDER BY added_at, id");
        using var reader = command.ExecuteReader();
        var hosts = new List<(string, string, string)>();
        while (reader.Read())
            hosts.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        return hosts;
    });
}
