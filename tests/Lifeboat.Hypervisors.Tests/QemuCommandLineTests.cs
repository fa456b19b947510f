using System.Text.Json.Nodes;
using Lifeboat.Hypervisors.Qemu;

namespace Lifeboat.Hypervisors.Tests;

public sealed class QemuCommandLineTests
{
    private static readonly QemuVmPaths Paths = new("/run/lifeboat/vms/vm1");

    [Fact]
    public void The_vm_is_a_daemon_whose_runtime_files_live_in_its_folder()
    {
        var args = QemuCommandLine.Build(new QemuVmDescription { Name = "vm1" }, Paths, QemuAcceleratorKind.Tcg);
        Assert.Contains("-daemonize", args);
        Assert.Equal(Paths.PidFile, ValueOf(args, "-pidfile"));
        Assert.Equal($"unix:{Paths.QmpSocket},server=on,wait=off", ValueOf(args, "-qmp"));
        Assert.Contains($"path={Paths.SerialLog}", ValueOf(args, "-chardev"), StringComparison.Ordinal);
        Assert.Equal(Paths.QemuLog, ValueOf(args, "-D"));
        Assert.Contains("-nodefaults", args);
        Assert.Contains("-no-user-config", args);
        Assert.Equal("tcg", ValueOf(args, "-accel"));
        Assert.DoesNotContain("-cpu", args);
    }

    [Fact]
    public void Kvm_uses_the_host_cpu_unless_a_model_is_given()
    {
        var vm = new QemuVmDescription { Name = "vm1" };
        Assert.Equal("host", ValueOf(QemuCommandLine.Build(vm, Paths, QemuAcceleratorKind.Kvm), "-cpu"));
        Assert.Equal("qemu64", ValueOf(QemuCommandLine.Build(vm with { CpuModel = "qemu64" }, Paths, QemuAcceleratorKind.Kvm), "-cpu"));
    }

    [Fact]
    public void A_file_disk_is_a_format_node_over_a_file_node_with_an_absolute_path()
    {
        var vm = new QemuVmDescription
        {
            Name = "vm1",
            Disks = [new QemuDisk("relative/disk.qcow2") { Format = QemuDiskFormat.Qcow2, ReadOnly = true }],
        };
        var args = QemuCommandLine.Build(vm, Paths, QemuAcceleratorKind.Tcg);
        var node = JsonNode.Parse(ValueOf(args, "-blockdev"))!;
        Assert.Equal("qcow2", node["driver"]!.GetValue<string>());
        Assert.Equal(QemuCommandLine.DiskNodeName(0), node["node-name"]!.GetValue<string>());
        Assert.True(node["read-only"]!.GetValue<bool>());
        Assert.Equal("file", node["file"]!["driver"]!.GetValue<string>());
        Assert.Equal(Path.GetFullPath("relative/disk.qcow2"), node["file"]!["filename"]!.GetValue<string>());
        Assert.StartsWith($"virtio-blk-pci,drive={QemuCommandLine.DiskNodeName(0)},", ValueOf(args, "-device"), StringComparison.Ordinal);
        Assert.Contains("bootindex=1", ValueOf(args, "-device"), StringComparison.Ordinal);
    }

    [Fact]
    public void An_nfs_url_becomes_the_nfs_drivers_server_and_path()
    {
        var vm = new QemuVmDescription
        {
            Name = "vm1",
            Disks = [new QemuDisk("nfs://127.0.0.1/lifeboat/vm%201/disk0.raw?uid=0&gid=0&readahead=131072")],
        };
        var file = JsonNode.Parse(ValueOf(QemuCommandLine.Build(vm, Paths, QemuAcceleratorKind.Tcg), "-blockdev"))!["file"]!;
        Assert.Equal("nfs", file["driver"]!.GetValue<string>());
        Assert.Equal("inet", file["server"]!["type"]!.GetValue<string>());
        Assert.Equal("127.0.0.1", file["server"]!["host"]!.GetValue<string>());
        Assert.Equal("/lifeboat/vm 1/disk0.raw", file["path"]!.GetValue<string>());
        Assert.Equal(0, file["user"]!.GetValue<long>());
        Assert.Equal(131072, file["readahead-size"]!.GetValue<long>());
    }

    [Theory]
    [InlineData("nbd://127.0.0.1:10810/vm1/disk0", "inet", "127.0.0.1", "10810", "vm1/disk0")]
    [InlineData("nbd://127.0.0.1/disk%201", "inet", "127.0.0.1", "10809", "disk 1")]
    [InlineData("nbd+unix:///vm1/disk0?socket=/run/lifeboat/nbd.sock", "unix", null, null, "vm1/disk0")]
    public void An_nbd_url_becomes_the_nbd_drivers_server_and_export(string url, string type, string? host, string? port, string export)
    {
        var vm = new QemuVmDescription { Name = "vm1", Disks = [new QemuDisk(url)] };
        var file = JsonNode.Parse(ValueOf(QemuCommandLine.Build(vm, Paths, QemuAcceleratorKind.Tcg), "-blockdev"))!["file"]!;
        Assert.Equal("nbd", file["driver"]!.GetValue<string>());
        Assert.Equal(type, file["server"]!["type"]!.GetValue<string>());
        Assert.Equal(host, file["server"]!["host"]?.GetValue<string>());
        Assert.Equal(port, file["server"]!["port"]?.GetValue<string>());
        Assert.Equal(export, file["export"]!.GetValue<string>());
        if (type == "unix")
            Assert.Equal("/run/lifeboat/nbd.sock", file["server"]!["path"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("nfs://127.0.0.1:2049/lifeboat/vm1/disk0.raw", "port")]
    [InlineData("nfs://127.0.0.1/lifeboat/vm1/disk0.raw?nfsport=2049", "nfsport")]
    [InlineData("nfs://127.0.0.1/lifeboat/vm1/disk0.raw?uid=root", "non-negative number")]
    [InlineData("nfs:///lifeboat/disk0.raw", "not a valid")]
    [InlineData("nfs://host", "not a valid")]
    public void Nfs_urls_qemu_cannot_use_are_refused_with_the_reason(string url, string reason)
    {
        var vm = new QemuVmDescription { Name = "vm1", Disks = [new QemuDisk(url)] };
        var failure = Assert.Throws<ArgumentException>(() => QemuCommandLine.Build(vm, Paths, QemuAcceleratorKind.Tcg));
        Assert.Contains(reason, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Scsi_disks_share_one_controller_and_a_direct_kernel_boot_leaves_disks_without_boot_order()
    {
        var vm = new QemuVmDescription
        {
            Name = "vm1",
            Disks = [new QemuDisk("/d0.raw") { Bus = QemuDiskBus.Scsi }, new QemuDisk("/d1.raw") { Bus = QemuDiskBus.Scsi }],
            Kernel = "/boot/vmlinuz",
            KernelCommandLine = "console=ttyS0",
        };
        var devices = ValuesOf(QemuCommandLine.Build(vm, Paths, QemuAcceleratorKind.Tcg), "-device");
        Assert.Single(devices, device => device.StartsWith("virtio-scsi-pci", StringComparison.Ordinal));
        Assert.Equal(2, devices.Count(device => device.StartsWith("scsi-hd,", StringComparison.Ordinal) && device.Contains("bus=scsi0.0", StringComparison.Ordinal)));
        Assert.DoesNotContain(devices, device => device.Contains("bootindex", StringComparison.Ordinal));
    }

    [Fact]
    public void A_UEFI_VM_gets_OVMF_read_only_and_its_own_variable_store_in_the_runtime_folder()
    {
        var ovmf = new OvmfFirmware("/fw/OVMF_CODE_4M.fd", "/fw/OVMF_VARS_4M.fd");
        var args = QemuCommandLine.Build(new QemuVmDescription { Name = "vm1", Firmware = QemuFirmware.Uefi, Ovmf = ovmf }, Paths, QemuAcceleratorKind.Tcg);

        Assert.Equal(
            ["if=pflash,format=raw,unit=0,readonly=on,file=/fw/OVMF_CODE_4M.fd", $"if=pflash,format=raw,unit=1,file={Paths.EfiVariables}"],
            ValuesOf(args, "-drive"));
        Assert.Empty(ValuesOf(QemuCommandLine.Build(new QemuVmDescription { Name = "vm1" }, Paths, QemuAcceleratorKind.Tcg), "-drive"));
    }

    [Fact]
    public void OVMF_is_found_as_a_matching_pair_preferring_the_4_MiB_build()
    {
        using var folder = new TestDirectory();
        Assert.Null(OvmfFirmware.Find(folder.Path));
        File.WriteAllText(folder.Combine("OVMF_CODE.fd"), "code");
        Assert.Null(OvmfFirmware.Find(folder.Path));
        File.WriteAllText(folder.Combine("OVMF_VARS.fd"), "vars");
        Assert.Equal(new OvmfFirmware(folder.Combine("OVMF_CODE.fd"), folder.Combine("OVMF_VARS.fd")), OvmfFirmware.Find(folder.Path));
        File.WriteAllText(folder.Combine("OVMF_CODE_4M.fd"), "code");
        File.WriteAllText(folder.Combine("OVMF_VARS_4M.fd"), "vars");
        var found = OvmfFirmware.Find(folder.Path)!;
        Assert.Equal(folder.Combine("OVMF_CODE_4M.fd"), found.Code);

        var paths = new QemuVmPaths(folder.Combine("vm"));
        Directory.CreateDirectory(paths.RuntimeDirectory);
        found.PrepareVariables(paths);
        Assert.Equal("vars", File.ReadAllText(paths.EfiVariables));
        File.WriteAllText(paths.EfiVariables, "boot entries the guest wrote");
        found.PrepareVariables(paths);
        Assert.Equal("boot entries the guest wrote", File.ReadAllText(paths.EfiVariables));
    }

    [Fact]
    public void A_guest_agent_channel_is_a_virtio_serial_port_whose_socket_is_in_the_runtime_folder()
    {
        var args = QemuCommandLine.Build(new QemuVmDescription { Name = "vm1", GuestAgent = true }, Paths, QemuAcceleratorKind.Tcg);

        var devices = ValuesOf(args, "-device");
        Assert.Contains("virtio-serial-pci,id=virtio-serial0", devices);
        Assert.Contains("virtserialport,bus=virtio-serial0.0,chardev=qga0,name=org.qemu.guest_agent.0", devices);
        Assert.Contains($"socket,id=qga0,path={Paths.GuestAgentSocket},server=on,wait=off", ValuesOf(args, "-chardev"));
        Assert.Equal(Paths.RuntimeDirectory, Path.GetDirectoryName(Paths.GuestAgentSocket));
    }

    [Fact]
    public void A_vm_without_a_guest_agent_has_no_virtio_serial_device()
    {
        var args = QemuCommandLine.Build(new QemuVmDescription { Name = "vm1" }, Paths, QemuAcceleratorKind.Tcg);

        Assert.DoesNotContain(ValuesOf(args, "-device"), device => device.StartsWith("virtio-serial", StringComparison.Ordinal));
        Assert.DoesNotContain(ValuesOf(args, "-chardev"), chardev => chardev.Contains(Paths.GuestAgentSocket, StringComparison.Ordinal));
    }

    [Fact]
    public void Commas_in_option_values_are_doubled()
    {
        var vm = new QemuVmDescription
        {
            Name = "vm1",
            FirmwareConfig = new Dictionary<string, string> { ["opt/lifeboat/mode"] = "write,stay" },
        };
        Assert.Equal("name=opt/lifeboat/mode,string=write,,stay", ValueOf(QemuCommandLine.Build(vm, Paths, QemuAcceleratorKind.Tcg), "-fw_cfg"));
        var commaFolder = new QemuVmPaths("/tmp/a,b");
        Assert.Equal("unix:/tmp/a,,b/qmp.sock,server=on,wait=off", ValueOf(QemuCommandLine.Build(vm, commaFolder, QemuAcceleratorKind.Tcg), "-qmp"));
    }

    [Theory]
    [InlineData("", 1, 256, "name")]
    [InlineData("a b", 1, 256, "name")]
    [InlineData("vm1,x", 1, 256, "name")]
    [InlineData("vm1", 0, 256, "CPUs")]
    [InlineData("vm1", 65, 256, "CPUs")]
    [InlineData("vm1", 1, 8, "memory")]
    public void Descriptions_out_of_range_are_refused_with_the_reason(string name, int cpus, int memoryMiB, string reason)
    {
        var vm = new QemuVmDescription { Name = name, Cpus = cpus, MemoryMiB = memoryMiB };
        var failure = Assert.Throws<ArgumentException>(() => QemuCommandLine.Build(vm, Paths, QemuAcceleratorKind.Tcg));
        Assert.Contains(reason, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Firmware_config_names_must_be_in_the_opt_namespace()
    {
        var vm = new QemuVmDescription { Name = "vm1", FirmwareConfig = new Dictionary<string, string> { ["etc/boot"] = "x" } };
        Assert.Throws<ArgumentException>(() => QemuCommandLine.Build(vm, Paths, QemuAcceleratorKind.Tcg));
    }

    private static string ValueOf(IReadOnlyList<string> args, string option) => Assert.Single(ValuesOf(args, option));

    private static List<string> ValuesOf(IReadOnlyList<string> args, string option) =>
        args.Select((arg, index) => (arg, index)).Where(pair => pair.arg == option).Select(pair => args[pair.index + 1]).ToList();
}
