using System.Globalization;

namespace Lifeboat.Server.Data;

/// <summary>
/// The hypervisor hosts sessions can run VMs on: the local QEMU/KVM host, registered on the first start, and the
/// libvirt hosts an admin added with how to reach them.
/// </summary>
public sealed class HostStore(ServerDatabase database)
{
    public void EnsureRegistered(string id, string kind, string name) => database.Write(connection =>
        ServerDatabase.Execute(connection,
            "INSERT INTO hosts (id, kind, name, added_at) VALUES ($id, $kind, $name, $at) ON CONFLICT(id) DO NOTHING",
            ("$id", id), ("$kind", kind), ("$name", name), ("$at", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture))));

    /// <returns>False when a host of that name exists already.</returns>
    public bool Add(StoredHost host) => database.Write(connection =>
        ServerDatabase.Execute(connection,
            "INSERT INTO hosts (id, kind, name, added_at, connection, mount_server_address) VALUES ($id, $kind, $id, $at, $connection, $address) ON CONFLICT DO NOTHING",
            ("$id", host.Name), ("$kind", host.Kind), ("$at", ServerDatabase.FormatTime(host.AddedAt)), ("$connection", host.Connection),
            ("$address", host.MountServerAddress)) > 0);

    /// <returns>False when no host has that name.</returns>
    public bool Remove(string name) => database.Write(connection =>
        ServerDatabase.Execute(connection, "DELETE FROM hosts WHERE id = $id AND connection IS NOT NULL", ("$id", name)) > 0);

    /// <summary>The hosts an admin added (the local host is not among them: it has no connection).</summary>
    public IReadOnlyList<StoredHost> List() => database.Read(connection =>
    {
        using var command = ServerDatabase.Command(connection,
            "SELECT id, kind, connection, mount_server_address, added_at FROM hosts WHERE connection IS NOT NULL ORDER BY id");
        using var reader = command.ExecuteReader();
        var hosts = new List<StoredHost>();
        while (reader.Read())
        {
            hosts.Add(new StoredHost(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                ServerDatabase.ParseTime(reader.GetString(4))));
        }

        return hosts;
    });
}
