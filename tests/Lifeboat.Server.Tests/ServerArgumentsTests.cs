using System.Net;
using Lifeboat.Server.Hosting;

namespace Lifeboat.Server.Tests;

public sealed class ServerArgumentsTests
{
    [Fact]
    public void Defaults_to_the_home_data_folder_and_port_8707_on_loopback()
    {
        var options = ServerArguments.Parse([]);
        Assert.Equal(DataFolder.Default, options.DataDirectory);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 8707), options.Listen);
        Assert.Null(options.NfsPort);
        Assert.Equal(111, options.PortmapPort);
    }

    [Fact]
    public void Reads_every_option()
    {
        var options = ServerArguments.Parse(
            ["--data", "/tmp/x/../lb", "--listen", "localhost:9000", "--nfs-port", "0", "--portmap-port", "1111", "--control-socket", "/tmp/x/../ms.sock", "--cache-reserve", "512M", "--max-verifications", "3", "--qemu", "/opt/qemu", "--log-format", "json"]);
        Assert.Equal("/tmp/lb", options.DataDirectory);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 9000), options.Listen);
        Assert.Equal(0, options.NfsPort);
        Assert.Equal(1111, options.PortmapPort);
        Assert.Equal("/tmp/ms.sock", options.ControlSocketPath);
        Assert.Equal(512L << 20, options.CacheReserveBytes);
        Assert.Equal("/opt/qemu", options.QemuBinary);
        Assert.Equal(3, options.MaxVerifications);
        Assert.Equal(LogFormat.Json, options.LogFormat);
        Assert.Equal(LogFormat.Text, ServerArguments.Parse([]).LogFormat);
    }

    [Fact]
    public void Each_data_folder_has_its_own_control_socket_apart_from_the_standalone_mount_servers()
    {
        var one = new ServerOptions { DataDirectory = "/tmp/one" }.DefaultControlSocket;
        var two = new ServerOptions { DataDirectory = "/tmp/two" }.DefaultControlSocket;
        Assert.Matches("^/run/lifeboat/server-[0-9a-f]{12}\\.sock$", one);
        Assert.NotEqual(one, two);
        Assert.Equal(one, new ServerOptions { DataDirectory = "/tmp/x/../one" }.DefaultControlSocket);
        Assert.NotEqual(Lifeboat.MountServer.Control.ControlSettings.DefaultPath, one);
    }

    [Theory]
    [InlineData("--listen", "8707")]
    [InlineData("--listen", "127.0.0.1:0")]
    [InlineData("--nfs-port", "70000")]
    [InlineData("--cache-reserve", "lots")]
    [InlineData("--cache-reserve", "99999999999T")]
    [InlineData("--max-verifications", "0")]
    [InlineData("--log-format", "xml")]
    [InlineData("--colour", "blue")]
    public void Refuses_bad_values_with_a_message_naming_the_option(string option, string value)
    {
        var error = Assert.Throws<ArgumentException>(() => ServerArguments.Parse([option, value]));
        Assert.Contains(option, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_option_without_its_value_is_refused()
    {
        Assert.Throws<ArgumentException>(() => ServerArguments.Parse(["--data"]));
    }
}
