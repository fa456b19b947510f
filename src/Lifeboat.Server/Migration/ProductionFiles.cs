using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Lifeboat.Hypervisors.Qemu;
using Lifeboat.Server.Security;
using Lifeboat.Server.Sessions;

namespace Lifeboat.Server.Migration;

/// <summary>The production disk files a VM migrates to, and the QEMU block nodes that open them.</summary>
public static class ProductionFiles
{
    /// <summary>The node a production file is opened as (the format node for qcow2, the file node for raw).</summary>
    public static string NodeName(int index) => "prod" + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>The guest device of disk <paramref name="index"/>, as QemuCommandLine names it.</summary>
    public static string DeviceId(int index) => QemuCommandLine.DiskNodeName(index) + "-device";

    public static IReadOnlyList<string> PathsFor(string targetDirectory, string vmName, int diskCount, ProductionFormat format)
    {
        var extension = format == ProductionFormat.Qcow2 ? "qcow2" : "raw";
        return [.. Enumerable.Range(0, diskCount).Select(i =>
            Path.Combine(Path.GetFullPath(targetDirectory), $"{vmName}-disk{i.ToString(CultureInfo.InvariantCulture)}.{extension}"))];
    }

    /// <summary>Creates an empty disk file of <paramref name="size"/> bytes (sparse raw, or qcow2 with qemu-img), 0600: a VM's disk is root's alone.</summary>
    /// <exception cref="SessionStepException">The file exists already, or cannot be created.</exception>
    public static async Task CreateAsync(string path, long size, ProductionFormat format, CancellationToken cancellationToken)
    {
        if (File.Exists(path))
            throw new SessionStepException($"The production file {path} already exists; remove it or migrate to another folder.");
        try
        {
            OwnerOnlyFile.CreateFolder(Path.GetDirectoryName(path)!);
            if (format == ProductionFormat.Raw)
            {
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows())
                    options.UnixCreateMode = OwnerOnlyFile.Mode;
                using var file = new FileStream(path, options);
                file.SetLength(size);
                return;
            }

            await RunQemuImgAsync(["create", "-q", "-f", "qcow2", path, size.ToString(CultureInfo.InvariantCulture)], cancellationToken).ConfigureAwait(false);
            // qemu-img creates it 0644 (its umask); QEMU opens this file for the mirror and never creates another.
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(path, OwnerOnlyFile.Mode);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SessionStepException($"Cannot create the production file {path} ({e.Message}); check the folder's permissions and space.", e);
        }
    }

    /// <summary>The <c>blockdev-add</c> arguments for production file <paramref name="index"/>; zeros become holes.</summary>
    public static JsonObject Node(int index, string path, ProductionFormat format)
    {
        var file = new JsonObject { ["driver"] = "file", ["filename"] = path };
        if (format == ProductionFormat.Raw)
        {
            file["node-name"] = NodeName(index);
            file["discard"] = "unmap";
            file["detect-zeroes"] = "unmap";
            return file;
        }

        file["node-name"] = NodeName(index) + "-file";
        return new JsonObject
        {
            ["driver"] = "qcow2",
            ["node-name"] = NodeName(index),
            ["discard"] = "unmap",
            ["detect-zeroes"] = "unmap",
            ["file"] = file,
        };
    }

    /// <summary>Adds the production nodes QEMU does not have yet (after a restart some may be there).</summary>
    public static async Task AddNodesAsync(QmpClient qmp, IReadOnlyList<string> paths, ProductionFormat format, CancellationToken cancellationToken)
    {
        var existing = await QmpBlock.QueryNodeNamesAsync(qmp, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < paths.Count; i++)
        {
            if (!existing.Contains(NodeName(i)))
                await qmp.ExecuteAsync("blockdev-add", Node(i, paths[i], format), cancellationToken).ConfigureAwait(false);
        }
    }

    public static void DeleteQuietly(IEnumerable<string> paths)
    {
        foreach (var path in paths)
        {
            try
            {
                File.Delete(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Reported by the caller's step as left behind.
            }
        }
    }

    private static async Task RunQemuImgAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("qemu-img") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new SessionStepException("qemu-img did not start; install the Debian package qemu-utils.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new SessionStepException($"qemu-img could not be run ({e.Message}); install the Debian package qemu-utils.", e);
        }

        using (process)
        {
            var errors = process.StandardError.ReadToEndAsync(cancellationToken);
            _ = process.StandardOutput.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            if (process.ExitCode != 0)
                throw new SessionStepException($"qemu-img {string.Join(' ', arguments)} failed: {(await errors.ConfigureAwait(false)).Trim()}");
        }
    }
}
