using Lifeboat.Server.Contracts.Security;
using Microsoft.Data.Sqlite;

namespace Lifeboat.Server.Data;

/// <summary>The <c>audit</c> table: append-only, newest read first.</summary>
public sealed class AuditStore(ServerDatabase database)
{
    public long Append(DateTimeOffset at, string who, string? address, string action, string target, string outcome) => database.Write(connection =>
    {
        ServerDatabase.Execute(connection,
            "INSERT INTO audit (at, who, address, action, target, outcome) VALUES ($at, $who, $address, $action, $target, $outcome)",
            ("$at", ServerDatabase.FormatTime(at)), ("$who", who), ("$address", address), ("$action", action), ("$target", target), ("$outcome", outcome));
        return (long)ServerDatabase.Scalar(connection, "SELECT last_insert_rowid()")!;
    });

    /// <summary>The newest <paramref name="limit"/> entries, newest first; <paramref name="before"/> pages back by id.</summary>
    public IReadOnlyList<AuditEntry> List(int limit, long? before, string? who, string? action) => database.Read(connection =>
    {
        using var command = ServerDatabase.Command(connection,
            """
            SELECT id, at, who, address, action, target, outcome FROM audit
            WHERE ($before IS NULL OR id < $before) AND ($who IS NULL OR who = $who) AND ($action IS NULL OR action = $action)
            ORDER BY id DESC LIMIT $limit
            """,
            ("$before", before), ("$who", who), ("$action", action), ("$limit", limit));
        using var reader = command.ExecuteReader();
        var entries = new List<AuditEntry>();
        while (reader.Read())
            entries.Add(ReadEntry(reader));
        return entries;
    });

    private static AuditEntry ReadEntry(SqliteDataReader reader) => new(
        reader.GetInt64(0), ServerDatabase.ParseTime(reader.GetString(1)), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
        reader.GetString(4), reader.GetString(5), reader.GetString(6));
}
