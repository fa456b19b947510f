namespace Lifeboat.Testing.Guests;

/// <summary>The test guest in mode <c>records</c> prints <c>MARKER N</c> on its console for each record it synced.</summary>
public static class GuestRecords
{
    /// <summary>The number of the last record the console reported as synced (0 before the first).</summary>
    public static long Last(string serialLog, string marker)
    {
        using var stream = new FileStream(serialLog, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        long last = 0;
        // The console prints a line in pieces: a last line without its newline may end in the middle of a number.
        var text = reader.ReadToEnd();
        foreach (var line in text[..(text.LastIndexOf('\n') + 1)].Split('\n'))
        {
            int at = line.IndexOf(marker + " ", StringComparison.Ordinal);
            if (at >= 0 && long.TryParse(line.AsSpan(at + marker.Length + 1).Trim(), System.Globalization.CultureInfo.InvariantCulture, out long n))
                last = n;
        }

        return last;
    }
}
