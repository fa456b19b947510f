using Lifeboat.Server.Contracts.Repositories;

namespace Lifeboat.Server.Data;

/// <summary>
/// Samples of the repositories' sizes over time. Kept bounded: samples older than <see cref="DetailedFor"/> are thinned
/// to the last one of each day (UTC), and samples older than <see cref="KeptFor"/> are deleted.
/// </summary>
public sealed class RepositoryUsageStore(ServerDatabase database)
{
    public static readonly TimeSpan DetailedFor = TimeSpan.FromDays(30);

    public static readonly TimeSpan KeptFor = TimeSpan.FromDays(400);

    public void Add(RepositoryUsageSample sample) => database.Write(connection =>
    {
        ServerDatabase.Execute(connection,
            """
            INSERT INTO repository_usage (repository, at, stored_bytes, logical_bytes, restore_points, fs_used_bytes, fs_free_bytes)
            VALUES ($repository, $at, $stored, $logical, $points, $used, $free)
            """,
            ("$repository", sample.Repository), ("$at", ServerDatabase.FormatTime(sample.At)), ("$stored", sample.StoredBytes),
            ("$logical", sample.LogicalBytes), ("$points", sample.RestorePoints), ("$used", sample.FileSystemUsedBytes), ("$free", sample.FileSystemFreeBytes));
    });

    /// <summary>Deletes what is older than <see cref="KeptFor"/> and all but the last sample of each day older than <see cref="DetailedFor"/>.</summary>
    /// <returns>How many samples were deleted.</returns>
    public int Thin(DateTimeOffset now) => database.Write(connection =>
    {
        // FormatTime writes UTC in the round-trip format, so text order is time order and its first 10 characters are the day.
        var deleted = ServerDatabase.Execute(connection, "DELETE FROM repository_usage WHERE at < $oldest",
            ("$oldest", ServerDatabase.FormatTime(now - KeptFor)));
        return deleted + ServerDatabase.Execute(connection,
            """
            DELETE FROM repository_usage WHERE at < $detailed AND id NOT IN (
                SELECT id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY repository, substr(at, 1, 10) ORDER BY at DESC, id DESC) AS newest
                                FROM repository_usage WHERE at < $detailed) WHERE newest = 1)
            """,
            ("$detailed", ServerDatabase.FormatTime(now - DetailedFor)));
    });

    /// <summary>The samples of <paramref name="repository"/>, oldest first.</summary>
    public IReadOnlyList<RepositoryUsageSample> List(string repository) => database.Read(connection =>
    {
        using var command = ServerDatabase.Command(connection,
            """
            SELECT at, stored_bytes, logical_bytes, restore_points, fs_used_bytes, fs_free_bytes FROM repository_usage
            WHERE repository = $repository ORDER BY at, id
            """,
            ("$repository", repository));
        using var reader = command.ExecuteReader();
        var samples = new List<RepositoryUsageSample>();
        while (reader.Read())
        {
            samples.Add(new RepositoryUsageSample(ServerDatabase.ParseTime(reader.GetString(0)), repository, reader.GetInt64(1), reader.GetInt64(2),
                reader.GetInt32(3), reader.IsDBNull(4) ? null : reader.GetInt64(4), reader.IsDBNull(5) ? null : reader.GetInt64(5)));
        }

        return samples;
    });

    /// <summary>The newest sample of <paramref name="repository"/>, if any.</summary>
    public DateTimeOffset? LatestAt(string repository) => database.Read(connection =>
        ServerDatabase.Scalar(connection, "SELECT max(at) FROM repository_usage WHERE repository = $repository", ("$repository", repository)) is string at
            ? ServerDatabase.ParseTime(at)
            : (DateTimeOffset?)null);
}
