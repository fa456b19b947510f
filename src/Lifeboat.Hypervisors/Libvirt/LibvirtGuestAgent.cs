using System.Text.Json;
using System.Text.Json.Nodes;
using Lifeboat.Hypervisors.Hosts;
using Lifeboat.Hypervisors.Libvirt.Native;
using Lifeboat.Hypervisors.Qemu.GuestAgent;

namespace Lifeboat.Hypervisors.Libvirt;

/// <summary>A domain's guest agent through libvirt (virDomainQemuAgentCommand), which owns the channel and its sync.</summary>
internal sealed class LibvirtGuestAgent(LibvirtDomain domain, string hostName) : IGuestAgent
{
    public async Task<JsonNode?> ExecuteAsync(string command, JsonObject? arguments, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var request = new JsonObject { ["execute"] = command };
        if (arguments is not null)
            request["arguments"] = arguments.DeepClone();
        var seconds = (int)Math.Clamp(Math.Ceiling(timeout.TotalSeconds), 1, int.MaxValue);
        string answer;
        try
        {
            answer = await LibvirtConnection.RunAsync(() => domain.AgentCommand(request.ToJsonString(), seconds), cancellationToken).ConfigureAwait(false);
        }
        catch (LibvirtException ex) when (ex.Code == LibvirtErrors.AgentUnresponsive)
        {
            throw new TimeoutException($"The guest agent of {domain.Name} on host {hostName} did not answer '{command}' within {seconds} s: qemu-ga does not run in the guest (yet).", ex);
        }
        catch (LibvirtException ex) when (ex.Code == LibvirtErrors.OperationInvalid)
        {
            throw new HostException($"VM {domain.Name} on host {hostName} does not run ({ex.Message}); start it again.", ex);
        }
        catch (LibvirtException ex)
        {
            throw new GuestAgentException(command, "GenericError", ex.Message);
        }

        try
        {
            return JsonNode.Parse(answer)?["return"]?.DeepClone();
        }
        catch (JsonException ex)
        {
            throw new IOException($"The guest agent of {domain.Name} on host {hostName} answered '{command}' with something that is not JSON.", ex);
        }
    }
}
