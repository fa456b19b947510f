using System.Globalization;
using System.Text.Json;
using Lifeboat.Server.Sessions;

namespace Lifeboat.Server.Data;

/// <summary>The result of every verification, by restore point: what the restore point listings show as "verified".</summary>
public sealed class VerificationStore(ServerDatabase database)
{
    public void Save(SessionRecord session, VerificationOutcome outcome) => database.Write(connection =>
        ServerDatabase.Execute(connection,
            "INSERT INTO verifications (session_id, vm, restore_point, passed, verified_at, document) " +
            "VALUES ($id, $vm, $point, $passed, $at, $document) ON CONFLICT(session_id) DO UPDATE SET " +
            "passed = excluded.passed, verified_at = excluded.verified_at, document = excluded.document",
            ("$id", session.Id), ("$vm", session.Vm), ("$point", session.RestorePointId ?? ""), ("$passed", outcome.Passed ? 1 : 0),
            ("$at", outcome.VerifiedAt.ToString("O", CultureInfo.InvariantCulture)),
            ("$document", JsonSerializer.Serialize(outcome, ContractsJsonContext.Default.VerificationOutcome))));

    /// <summary>Newest first; filtered by VM and restore point when given.</summary>
    public IReadOnlyList<StoredVerification> List(string? vm = null, string? restorePoint = null) => database.Read(connection =>
    {
        using var command = ServerDatabase.Command(connection,
            "SELECT session_id, vm, restore_point, document FROM verifications " +
            "WHERE ($vm IS NULL OR vm = $vm) AND ($point IS NULL OR restore_point = $point) ORDER BY verified_at DESC, session_id",
            ("$vm", vm), ("$point", restorePoint));
        return ReadAll(command);
    });

    /// <summary>The newest failed verifications, newest first.</summary>
    public IReadOnlyList<StoredVerification> ListFailed(int limit) => database.Read(connection =>
    {
        using var command = ServerDatabase.Command(connection,
            "SELECT session_id, vm, restore_point, document FROM verifications WHERE passed = 0 ORDER BY verified_at DESC, session_id LIMIT $limit",
            ("$limit", limit));
        return ReadAll(command);
    });

    private static List<StoredVerification> ReadAll(Microsoft.Data.Sqlite.SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var list = new List<StoredVerification>();
        while (reader.Read())
        {
            var outcome = JsonSerializer.Deserialize(reader.GetString(3), ContractsJsonContext.Default.VerificationOutcome);
            if (outcome is not null)
                list.Add(new StoredVerification(reader.GetString(0), reader.GetString(1), reader.GetString(2), outcome));
        }

        return list;
    }

    /// <summary>The newest verification of each restore point.</summary>
    public IReadOnlyDictionary<string, StoredVerification> LatestByRestorePoint() =>
        List().GroupBy(v => v.RestorePointId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
}

public sealed record StoredVerification(string SessionId, string Vm, string RestorePointId, VerificationOutcome Outcome);
