using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Lifeboat.Server.WebConsole;

/// <summary>
/// The web console at <c>/</c>: Razor components rendered on the server, updated live over their circuit. Every page,
/// the circuit's hub and the console's static files need a signed-in user; only /login and its stylesheet are open.
/// </summary>
public static class WebConsoleSetup
{
    public static void AddWebConsole(WebApplicationBuilder builder)
    {
        // The server runs from its build output in Production: the framework's script and the console's CSS are found
        // through the build's static web assets manifest, which only Development reads by itself.
        builder.WebHost.UseStaticWebAssets();
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddScoped<AuthenticationStateProvider, ConsoleAuthenticationState>();
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddSingleton<ConsoleActions>();
        builder.Services.AddSingleton<ManageActions>();
        builder.Services.AddSingleton<NotificationActions>();
        builder.Services.AddSingleton<FileBrowseActions>();
        builder.Services.AddSingleton<RepositoryActions>();
        builder.Services.AddScoped<ConsoleUser>();
    }

    /// <summary>Maps the console; call after <see cref="LifeboatAuthentication.UseLifeboatSecurity"/> (which adds the antiforgery middleware it needs).</summary>
    public static void MapWebConsole(WebApplication app)
    {
        app.MapStaticAssets().RequireAuthorization(LifeboatPolicies.Viewer);
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode().RequireAuthorization(LifeboatPolicies.Viewer);
    }
}
