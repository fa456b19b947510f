using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Tests.Support;
using Microsoft.Playwright;

namespace Lifeboat.Server.Tests.WebConsole;

/// <summary>
/// Debian's chromium, headless, driven by Playwright at a laptop's screen size (1366x768); nothing is downloaded.
/// Screenshots go to <see cref="ScreenshotFolder"/> in the test output.
/// </summary>
public sealed class ConsoleBrowser : IAsyncDisposable
{
    public const string Chromium = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;
    private readonly Uri _server;

    private ConsoleBrowser(IPlaywright playwright, IBrowser browser, Uri server, IBrowserContext context)
    {
        _playwright = playwright;
        _browser = browser;
        _server = server;
        Context = context;
    }

    /// <summary>The test output's folder of screenshots: web-console-screenshots beside the test binaries.</summary>
    public static string ScreenshotFolder => Path.Combine(AppContext.BaseDirectory, "web-console-screenshots");

    public IBrowserContext Context { get; }

    public static async Task<ConsoleBrowser> StartAsync(Uri server)
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: install Debian's chromium (./test does).");
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = Chromium,
                Headless = true,
                // Chromium's sandbox refuses to run as root, which the tests here are.
                Args = Environment.UserName == "root" ? ["--no-sandbox"] : [],
            });
            return new ConsoleBrowser(playwright, browser, server, await NewContextAsync(browser, server));
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>Another browser profile with cookies of its own (so another browser session), closed with the browser.</summary>
    public Task<IBrowserContext> NewContextAsync() => NewContextAsync(_browser, _server);

    /// <summary>Opens a console page and waits until it runs on its circuit (its buttons work, its updates arrive).</summary>
    public static async Task<IPage> OpenAsync(IPage page, string path)
    {
        await page.GotoAsync(path);
        await WaitConnectedAsync(page);
        return page;
    }

    /// <summary>Adds a user over REST (with the server's admin token) and signs in as them through /login, as a person would.</summary>
    public async Task<IPage> LogInAsync(ServerProcess server, string name, string role, IBrowserContext? context = null)
    {
        var password = $"{name}-password-{Guid.NewGuid():N}";
        using (var answer = await server.PostAsync("api/users", new AddUserRequest(name, role, password), ContractsJsonContext.Default.AddUserRequest))
            Assert.Equal(System.Net.HttpStatusCode.Created, answer.StatusCode);
        var page = await SignInAsync(context ?? Context, name, password);
        await Assertions.Expect(page.Locator("#signed-in-as")).ToHaveTextAsync($"{name} ({role})");
        return page;
    }

    /// <summary>Opens the console in a new page of <paramref name="context"/>, is sent to /login, and signs in there.</summary>
    public static async Task<IPage> SignInAsync(IBrowserContext context, string name, string password)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync("sessions");
        await page.WaitForURLAsync("**/login?**");
        await page.FillAsync("input[name=username]", name);
        await page.FillAsync("input[name=password]", password);
        await page.ClickAsync("button[type=submit]");
        try
        {
            await page.WaitForURLAsync("**/sessions");
        }
        catch (TimeoutException e)
        {
            var refusal = await page.Locator(".error").AllTextContentsAsync();
            throw new TimeoutException($"Signing in as {name} did not reach /sessions: the page is at {page.Url}, saying '{string.Join(" ", refusal)}'.", e);
        }

        await WaitConnectedAsync(page);
        return page;
    }

    public static Task WaitConnectedAsync(IPage page) => page.Locator("main[data-connected='true']").WaitForAsync();

    public static async Task<string> ScreenshotAsync(IPage page, string test, string name)
    {
        var path = Path.Combine(ScreenshotFolder, test, name + ".png");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await Context.DisposeAsync();
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    private static async Task<IBrowserContext> NewContextAsync(IBrowser browser, Uri server)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = server.ToString(),
            ViewportSize = new ViewportSize { Width = 1366, Height = 768 },
        });
        context.SetDefaultTimeout(30_000);
        return context;
    }
}
