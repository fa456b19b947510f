using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Lifeboat.Server.Data;

/// <summary>
/// The server's configuration and history: one SQLite file in the data folder. Every change is a committed
/// transaction in WAL mode with full sync, so a `kill -9` of the server loses nothing it reported as done.
/// Calls are serialized: SQLite has one writer, and the server's writes are few and small.
/// </summary>
public sealed class ServerDatabase : IDisposable
{
    private const int SchemaVersion = 2;

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS repositories (
            path TEXT PRIMARY KEY,
            is_default INTEGER NOT NULL,
            added_at TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS datastores (
            name TEXT PRIMARY KEY,
            path TEXT NOT NULL UNIQUE,
            added_at TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS hosts (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            name TEXT NOT NULL,
            added_at TEXT NOT NULL,
            connection TEXT,
            mount_server_address TEXT);
        CREATE TABLE IF NOT EXISTS sessions (
            id TEXT PRIMARY KEY,
            vm TEXT NOT NULL,
            state TEXT NOT NULL,
            created_at TEXT NOT NULL,
            document TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS steps (
            session_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            phase TEXT NOT NULL,
            name TEXT NOT NULL,
            started_at TEXT NOT NULL,
            ended_at TEXT,
            result TEXT NOT NULL,
            message TEXT,
            PRIMARY KEY (session_id, seq));
        CREATE TABLE IF NOT EXISTS session_log (
            session_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            at TEXT NOT NULL,
            level TEXT NOT NULL,
            message TEXT NOT NULL,
            PRIMARY KEY (session_id, seq));
        CREATE TABLE IF NOT EXISTS verifications (
            session_id TEXT PRIMARY KEY,
            vm TEXT NOT NULL,
            restore_point TEXT NOT NULL,
            passed INTEGER NOT NULL,
            verified_at TEXT NOT NULL,
            document TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS boot_profiles (
            vm TEXT PRIMARY KEY,
            recorded_at TEXT NOT NULL,
            document TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS jobs (
            name TEXT PRIMARY KEY,
            spec TEXT NOT NULL,
            created_at TEXT NOT NULL,
            next_run_at TEXT NOT NULL,
            retry_at TEXT,
            retry_attempt INTEGER);
        CREATE TABLE IF NOT EXISTS job_runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            job TEXT NOT NULL,
            attempt INTEGER NOT NULL,
            trigger TEXT NOT NULL,
            started_at TEXT NOT NULL,
            ended_at TEXT,
            outcome TEXT NOT NULL,
            restore_point_id TEXT,
            bytes_read INTEGER,
            bytes_stored INTEGER,
            consistency TEXT,
            change_tracking_used INTEGER,
            change_tracking TEXT,
            retention TEXT,
            error TEXT,
            retry_at TEXT,
            verification TEXT);
        CREATE INDEX IF NOT EXISTS job_runs_by_job ON job_runs (job, id);
        CREATE TABLE IF NOT EXISTS users (
            name TEXT PRIMARY KEY,
            role TEXT NOT NULL,
            password_hash TEXT NOT NULL,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS password_changes (
            user TEXT PRIMARY KEY,
            generation INTEGER NOT NULL,
            kept_session TEXT,
            changed_at TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS browser_sessions (
            key TEXT PRIMARY KEY,
            user TEXT NOT NULL,
            address TEXT,
            signed_in_at TEXT NOT NULL,
            seen_at TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS browser_sessions_by_user ON browser_sessions (user);
        CREATE TABLE IF NOT EXISTS tokens (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            sha256 TEXT NOT NULL UNIQUE,
            role TEXT NOT NULL,
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            last_used_at TEXT,
            revoked_at TEXT);
        CREATE INDEX IF NOT EXISTS tokens_by_name ON tokens (name);
        CREATE TABLE IF NOT EXISTS audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            who TEXT NOT NULL,
            address TEXT,
            action TEXT NOT NULL,
            target TEXT NOT NULL,
            outcome TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS repository_usage (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            repository TEXT NOT NULL,
            at TEXT NOT NULL,
            stored_bytes INTEGER NOT NULL,
            logical_bytes INTEGER NOT NULL,
            restore_points INTEGER NOT NULL,
            fs_used_bytes INTEGER,
            fs_free_bytes INTEGER);
        CREATE INDEX IF NOT EXISTS repository_usage_by_repository ON repository_usage (repository, at);
        CREATE TABLE IF NOT EXISTS notification_channels (
            name TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            events TEXT NOT NULL,
            enabled INTEGER NOT NULL,
            settings TEXT NOT NULL,
            secret TEXT,
            created_at TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS notification_deliveries (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            channel TEXT NOT NULL,
            event TEXT NOT NULL,
            subject TEXT NOT NULL,
            title TEXT NOT NULL,
            outcome TEXT NOT NULL,
            error TEXT,
            attempt INTEGER NOT NULL,
            delivery_id TEXT NOT NULL);
        """;

    private readonly SqliteConnection _connection;
    private readonly Lock _gate = new();

    private ServerDatabase(SqliteConnection connection)
    {
        _connection = connection;
    }

    public static ServerDatabase Open(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        try
        {
            connection.Open();
            Execute(connection, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000;");
            var version = Convert.ToInt32(Scalar(connection, "PRAGMA user_version;"), System.Globalization.CultureInfo.InvariantCulture);
            if (version > SchemaVersion)
                throw new InvalidDataException($"The database '{path}' was written by a newer Lifeboat server; upgrade Lifeboat or give the server another data folder.");
            if (version == 1)
                Upgrade1To2(connection);
            Execute(connection, Schema + $"PRAGMA user_version={SchemaVersion};");
            return new ServerDatabase(connection);
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw new InvalidDataException($"The database '{path}' cannot be opened ({e.Message}); move it away to start with an empty configuration.", e);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Version 2 keeps how each added host is reached: the columns are added to a table made by version 1.</summary>
    private static void Upgrade1To2(SqliteConnection connection)
    {
        var hasHosts = Scalar(connection, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'hosts'") is long tables && tables > 0;
        if (!hasHosts || Scalar(connection, "SELECT COUNT(*) FROM pragma_table_info('hosts') WHERE name = 'connection'") is long columns && columns > 0)
            return;
        Execute(connection, "ALTER TABLE hosts ADD COLUMN connection TEXT; ALTER TABLE hosts ADD COLUMN mount_server_address TEXT;");
    }

    /// <summary>Runs <paramref name="work"/> in one transaction, alone.</summary>
    public T Write<T>(Func<SqliteConnection, T> work)
    {
        lock (_gate)
        {
            // BEGIN/COMMIT as statements: commands then need no transaction object passed around.
            Execute(_connection, "BEGIN IMMEDIATE;");
            try
            {
                var result = work(_connection);
                Execute(_connection, "COMMIT;");
                return result;
            }
            catch
            {
                Execute(_connection, "ROLLBACK;");
                throw;
            }
        }
    }

    public void Write(Action<SqliteConnection> work) => Write(connection =>
    {
        work(connection);
        return 0;
    });

    public T Read<T>(Func<SqliteConnection, T> work)
    {
        lock (_gate)
            return work(_connection);
    }

    public string? GetSetting(string key) => Read(connection =>
        Scalar(connection, "SELECT value FROM settings WHERE key = $key", ("$key", key)) as string);

    public void SetSetting(string key, string value) => Write(connection =>
        Execute(connection, "INSERT INTO settings (key, value) VALUES ($key, $value) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            ("$key", key), ("$value", value)));

    public void Dispose()
    {
        lock (_gate)
            _connection.Dispose();
    }

    public static int Execute(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, sql, parameters);
        return command.ExecuteNonQuery();
    }

    public static object? Scalar(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, sql, parameters);
        return command.ExecuteScalar();
    }

    /// <summary>Times are kept as UTC ISO 8601 text, which sorts as time does.</summary>
    public static string FormatTime(DateTimeOffset time) => time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    public static DateTimeOffset ParseTime(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    public static SqliteCommand Command(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }
}
