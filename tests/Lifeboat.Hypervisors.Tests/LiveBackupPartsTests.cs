using System.Text.Json.Nodes;
using Lifeboat.Hypervisors.Qemu.LiveBackup;

namespace Lifeboat.Hypervisors.Tests;

/// <summary>The parts of a live backup that read QEMU's answers, on answers QEMU 7.2 gave.</summary>
public sealed class LiveBackupPartsTests
{
    [Fact]
    public void Query_block_gives_the_devices_disks_with_their_bitmaps_and_leaves_out_firmware_and_read_only_media()
    {
        var answer = JsonNode.Parse("""
            [
              {"device": "", "qdev": "/machine/peripheral/disk0-device/virtio-backend", "inserted": {"node-name": "disk0", "drv": "qcow2", "ro": false,
                "image": {"virtual-size": 134217728},
                "dirty-bitmaps": [{"name": "lifeboat-t-2f85c4cd", "recording": true, "persistent": true, "busy": false, "granularity": 65536, "count": 458752},
                                  {"recording": false, "persistent": false, "busy": false, "granularity": 65536, "count": 0}]}},
              {"device": "pflash0", "inserted": {"node-name": "#block1", "drv": "raw", "ro": true, "image": {"virtual-size": 4194304}}},
              {"device": "ide1-cd0", "qdev": "/machine/unattached/device[23]", "removable": true},
              {"device": "drive1", "qdev": "/machine/peripheral/scsi1", "inserted": {"node-name": "#block9", "drv": "raw", "ro": false, "image": {"virtual-size": 1048576}}}
            ]
            """);

        var disks = QemuBlockDisk.Parse(answer, 16);

        Assert.Equal(2, disks.Count);
        Assert.Equal("disk0-device", disks[0].Name);
        Assert.Equal("/machine/peripheral/disk0-device", disks[0].DevicePath);
        Assert.True(disks[0].CanPersistBitmaps);
        var bitmap = Assert.Single(disks[0].Bitmaps);
        Assert.Equal(new QemuDirtyBitmap("lifeboat-t-2f85c4cd", true, true, false, false, 65536, 458752), bitmap);
        Assert.Equal("drive1", disks[1].Name);
        Assert.False(disks[1].CanPersistBitmaps);
        Assert.Throws<Qemu.QemuException>(() => QemuBlockDisk.Parse(answer, 1));
    }

    [Theory]
    [InlineData("lifeboat-web-0123abcd", "web", true)]
    [InlineData("lifeboat-web-db-0123abcd", "web", false)]
    [InlineData("lifeboat-web-db-0123abcd", "web-db", true)]
    [InlineData("lifeboat-web-0123ABCD", "web", false)]
    [InlineData("lifeboat-web-0123abc", "web", false)]
    [InlineData("other-0123abcd", "web", false)]
    public void Bitmap_names_belong_to_one_vm_only(string name, string vm, bool ours) =>
        Assert.Equal(ours, DirtyBitmapName.IsOf(name, vm));

    [Fact]
    public void New_bitmap_names_are_recognized_and_differ()
    {
        var a = DirtyBitmapName.New("vm1");
        Assert.True(DirtyBitmapName.IsOf(a, "vm1"));
        Assert.NotEqual(a, DirtyBitmapName.New("vm1"));
    }

    [Theory]
    [InlineData("disconnected:unix:/tmp/lbx/qga.sock,server=on", "/tmp/lbx/qga.sock")]
    [InlineData("unix:/run/vm/qga.sock,server=on", "/run/vm/qga.sock")]
    [InlineData("unix:/run/vm/qga.sock", "/run/vm/qga.sock")]
    [InlineData("file", null)]
    [InlineData("tcp:127.0.0.1:4444,server=on", null)]
    [InlineData(null, null)]
    public void The_agent_socket_is_read_from_the_chardev_filename(string? filename, string? path) =>
        Assert.Equal(path, GuestFreeze.SocketPathOf(filename));
}
