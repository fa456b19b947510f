using System.Globalization;
using System.Text.Json;
using Lifeboat.Server.Sessions;
using Microsoft.Data.Sqlite;

namespace Lifeboat.Server.Data;

/// <summary>Sessions, their steps and their log lines in the server's database.</summary>
public sealed class SessionStore(ServerDatabase database)
{
    private const int MaxMessageChars = 8000;

    public void Insert(SessionRecord session) => database.Write(connection =>
        ServerDatabase.Execute(connection,
            "INSERT INTO sessions (id, vm, state, created_at, document) VALUES ($id, $vm, $state, $created, $document)",
            ("$id", session.Id), ("$vm", session.Vm), ("$state", session.State.ToString()),
            ("$created", Time(session.CreatedAt)), ("$document", Serialize(session))));

    public void Update(SessionRecord session) => database.Write(connection =>
        ServerDatabase.Execute(connection,
            "UPDATE sessions SET state = $state, document = $document WHERE id = $id",
            ("$id", session.Id), ("$state", session.State.ToString()), ("$document", Serialize(session))));

    public SessionRecord? Get(string id) => database.Read(connection =>
        ServerDatabase.Scalar(connection, "SELECT document FROM sessions WHERE id = $id", ("$id", id)) is string document
            ? Deserialize(document)
            : null);

    /// <summary>Newest first.</summary>
    public IReadOnlyList<SessionRecord> List() => database.Read(connection =>
    {
        using var command = ServerDatabase.Command(connection, "SELECT document FROM sessions ORDER BY created_at DESC, id");
        using var reader = command.ExecuteReader();
        var sessions = new List<SessionRecord>();
        while (reader.Read())
            sessions.Add(Deserialize(reader.GetString(0)));
        return sessions;
    });

    /// <summary>How many sessions are in each state; a state no session is in is left out.</summary>
    public IReadOnlyDictionary<SessionState, int> CountByState() => database.Read(connection =>
    {
        using var command = ServerDatabase.Command(connection, "SELECT state, COUNT(*) FROM sessions GROUP BY state");
        using var reader = command.ExecuteReader();
        var counts = new Dictionary<SessionState, int>();
        while (reader.Read())
        {
            if (Enum.TryParse<SessionState>(reader.GetString(0), out var state))
                counts[state] = reader.GetInt32(1);
        }

        return counts;
    });

    /// <summary>Records a step as running and returns its number.</summary>
    public int BeginStep(string sessionId, SessionPhase phase, string name, DateTimeOffset startedAt) => database.Write(connection =>
    {
        var seq = NextSeq(connection, "steps", sessionId);
        ServerDatabase.Execute(connection,
            "INSERT INTO steps (session_id, seq, phase, name, started_at, result) VALUES ($id, $seq, $phase, $name, $started, $result)",
            ("$id", sessionId), ("$seq", seq), ("$phase", phase.ToString()), ("$name", name),
            ("$started", Time(startedAt)), ("$result", StepResult.Running.ToString()));
        return seq;
    });

    public void EndStep(string sessionId, int seq, StepResult result, DateTimeOffset endedAt, string? message) => database.Write(connection =>
        ServerDatabase.Execute(connection,
            "UPDATE steps SET ended_at = $ended, result = $result, message = $message WHERE session_id = $id AND seq = $seq",
            ("$id", sessionId), ("$seq", seq), ("$ended", Time(endedAt)), ("$result", result.ToString()), ("$message", Cap(message))));

    /// <summary>Steps left running by a server that stopped are marked interrupted; they run again.</summary>
    public void InterruptRunningSteps(string sessionId, DateTimeOffset now) => database.Write(connection =>
        ServerDatabase.Execute(connection,
            "UPDATE steps SET ended_at = $ended, result = $interrupted, message = 'The server stopped during this step.' WHERE session_id = $id AND result = $running",
            ("$id", sessionId), ("$ended", Time(now)), ("$interrupted", StepResult.Interrupted.ToString()), ("$running", StepResult.Running.ToString())));

    public IReadOnlyList<SessionStep> GetSteps(string sessionId) => database.Read(connection =>
    {
        using var command = ServerDatabase.Command(connection,
            "SELECT seq, phase, name, started_at, ended_at, result, message FROM steps WHERE session_id = $id ORDER BY seq", ("$id", sessionId));
        using var reader = command.ExecuteReader();
        var steps = new List<SessionStep>();
        while (reader.Read())
        {
            steps.Add(new SessionStep(
                reader.GetInt32(0),
                Enum.Parse<SessionPhase>(reader.GetString(1)),
                reader.GetString(2),
                ParseTime(reader.GetString(3)),
                reader.IsDBNull(4) ? null : ParseTime(reader.GetString(4)),
                Enum.Parse<StepResult>(reader.GetString(5)),
                reader.IsDBNull(6) ? null : reader.GetString(6)));
        }

        return steps;
    });

    public void Log(string sessionId, string level, string message, DateTimeOffset at) => database.Write(connection =>
    {
        var seq = NextSeq(connection, "session_log", sessionId);
        ServerDatabase.Execute(connection,
            "INSERT INTO session_log (session_id, seq, at, level, message) VALUES ($id, $seq, $at, $level, $message)",
            ("$id", sessionId), ("$seq", seq), ("$at", Time(at)), ("$level", level), ("$message", Cap(message)));
    });

    public IReadOnlyList<SessionLogLine> GetLog(string sessionId) => database.Read(connection =>
    {
        using var command = ServerDatabase.Command(connection,
            "SELECT at, level, message FROM session_log WHERE session_id = $id ORDER BY seq", ("$id", sessionId));
        using var reader = command.ExecuteReader();
        var lines = new List<SessionLogLine>();
        while (reader.Read())
            lines.Add(new SessionLogLine(ParseTime(reader.GetString(0)), reader.GetString(1), reader.GetString(2)));
        return lines;
    });

    private static int NextSeq(SqliteConnection connection, string table, string sessionId) =>
        Convert.ToInt32(ServerDatabase.Scalar(connection, $"SELECT COALESCE(MAX(seq), 0) + 1 FROM {table} WHERE session_id = $id", ("$id", sessionId)),
            CultureInfo.InvariantCulture);

    private static string Serialize(SessionRecord session) => JsonSerializer.Serialize(session, ServerJsonContext.Default.SessionRecord);

    private static SessionRecord Deserialize(string document) =>
        JsonSerializer.Deserialize(document, ServerJsonContext.Default.SessionRecord)
        ?? throw new InvalidDataException("A session in the database is empty; the database is damaged.");

    private static string Time(DateTimeOffset time) => ServerDatabase.FormatTime(time);

    private static DateTimeOffset ParseTime(string text) => ServerDatabase.ParseTime(text);

    private static string? Cap(string? message) => message is { Length: > MaxMessageChars } ? message[..MaxMessageChars] + "…" : message;
}
