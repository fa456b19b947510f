using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Lifeboat.Server.WebConsole;

/// <summary>The web console at <c>/</c>: Razor components rendered on the server, updated live over their circuit.</summary>
public static class WebConsoleSetup
{
    public static void AddWebConsole(WebApplicationBuilder builder)
    {
        // The server runs from its build output in Production: the framework's script and the console's CSS are found
        // through the build's static web assets manifest, which only Development reads by itself.
        builder.WebHost.UseStaticWebAssets();
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddSingleton<ConsoleActions>();
        builder.Services.AddScoped<ConsoleUser>();
    }

    public static void MapWebConsole(WebApplication app)
    {
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
    }
}
