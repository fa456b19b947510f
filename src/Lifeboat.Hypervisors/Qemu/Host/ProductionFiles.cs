using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Lifeboat.Hypervisors.Hosts;

namespace Lifeboat.Hypervisors.Qemu.Host;

/// <summary>The production disk files a VM migrates to, and the QEMU block nodes that open them.</summary>
public static class ProductionFiles
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyFolder = OwnerOnly | UnixFileMode.UserExecute;

    /// <summary>The node a production file is opened as (the format node for qcow2, the file node for raw).</summary>
    public static string NodeName(int index) => "prod" + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>The guest device of disk <paramref name="index"/>, as QemuCommandLine names it.</summary>
    public static string DeviceId(int index) => QemuCommandLine.DiskNodeName(index) + "-device";

    public static IReadOnlyList<string> PathsFor(string targetDirectory, string vmName, int diskCount, bool qcow2)
    {
        var extension = qcow2 ? "qcow2" : "raw";
        return [.. Enumerable.Range(0, diskCount).Select(i =>
            Path.Combine(Path.GetFullPath(targetDirectory), $"{vmName}-disk{i.ToString(CultureInfo.InvariantCulture)}.{extension}"))];
    }

    /// <summary>Creates an empty disk file of <paramref name="size"/> bytes (sparse raw, or qcow2 with qemu-img), 0600: a VM's disk is root's alone.</summary>
    /// <exception cref="HostException">The file exists already, or cannot be created.</exception>
    public static async Task CreateAsync(string path, long size, bool qcow2, CancellationToken cancellationToken)
    {
        if (File.Exists(path))
            throw new HostException($"The production file {path} already exists; remove it or migrate to another folder.");
        try
        {
            CreateFolder(Path.GetDirectoryName(path)!);
            if (!qcow2)
            {
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows())
                    options.UnixCreateMode = OwnerOnly;
                using var file = new FileStream(path, options);
                file.SetLength(size);
                return;
            }

            await RunQemuImgAsync(["create", "-q", "-f", "qcow2", path, size.ToString(CultureInfo.InvariantCulture)], cancellationToken).ConfigureAwait(false);
            // qemu-img creates it 0644 (its umask); QEMU opens this file for the mirror and never creates another.
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(path, OwnerOnly);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HostException($"Cannot create the production file {path} ({e.Message}); check the folder's permissions and space.", e);
        }
    }

    /// <summary>The <c>blockdev-add</c> arguments for production file <paramref name="index"/>; zeros become holes.</summary>
    public static JsonObject Node(int index, string path, bool qcow2) => Node(NodeName(index), path, qcow2);

    /// <summary>The <c>blockdev-add</c> arguments for a production file opened as node <paramref name="nodeName"/>.</summary>
    public static JsonObject Node(string nodeName, string path, bool qcow2)
    {
        var file = new JsonObject { ["driver"] = "file", ["filename"] = path };
        if (!qcow2)
        {
            file["node-name"] = nodeName;
            file["discard"] = "unmap";
            file["detect-zeroes"] = "unmap";
            return file;
        }

        file["node-name"] = nodeName + "-file";
        return new JsonObject
        {
            ["driver"] = "qcow2",
            ["node-name"] = nodeName,
            ["discard"] = "unmap",
            ["detect-zeroes"] = "unmap",
            ["file"] = file,
        };
    }

    /// <summary>Adds the production nodes QEMU does not have yet (after a restart some may be there).</summary>
    public static async Task AddNodesAsync(QmpClient qmp, IReadOnlyList<string> paths, bool qcow2, CancellationToken cancellationToken)
    {
        var existing = await QmpBlock.QueryNodeNamesAsync(qmp, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < paths.Count; i++)
        {
            if (!existing.Contains(NodeName(i)))
                await qmp.ExecuteAsync("blockdev-add", Node(i, paths[i], qcow2), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Creates the folder 0700 if it is missing; one that exists keeps its mode.</summary>
    public static void CreateFolder(string path)
    {
        if (OperatingSystem.IsWindows())
            Directory.CreateDirectory(path);
        else
            Directory.CreateDirectory(path, OwnerOnlyFolder);
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
            process = Process.Start(start) ?? throw new HostException("qemu-img did not start; install the Debian package qemu-utils.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new HostException($"qemu-img could not be run ({e.Message}); install the Debian package qemu-utils.", e);
        }

        using (process)
        {
            var errors = process.StandardError.ReadToEndAsync(cancellationToken);
            _ = process.StandardOutput.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            if (process.ExitCode != 0)
                throw new HostException($"qemu-img {string.Join(' ', arguments)} failed: {(await errors.ConfigureAwait(false)).Trim()}");
        }
    }
}
