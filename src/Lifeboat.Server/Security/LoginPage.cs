using System.Net;

namespace Lifeboat.Server.Security;

/// <summary>The sign-in page: plain HTML and its own small stylesheet, nothing fetched from elsewhere.</summary>
internal static class LoginPage
{
    public const string StylesheetPath = "/login.css";

    public static string Render(string antiforgeryField, string antiforgeryToken, string returnUrl, string? message, string? user) => $$"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Lifeboat · sign in</title>
        <link rel="stylesheet" href="{{StylesheetPath}}">
        </head>
        <body>
        <main>
        <h1>Lifeboat</h1>
        <form method="post" action="{{LifeboatAuthentication.LoginPath}}">
        <input type="hidden" name="{{Encode(antiforgeryField)}}" value="{{Encode(antiforgeryToken)}}">
        <input type="hidden" name="returnUrl" value="{{Encode(returnUrl)}}">
        <label>User <input name="username" autocomplete="username" required value="{{Encode(user ?? "")}}" autofocus></label>
        <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
        {{(message is null ? "" : $"<p class=\"error\" role=\"alert\">{Encode(message)}</p>")}}
        <button type="submit">Sign in</button>
        </form>
        </main>
        </body>
        </html>
        """;

    public const string Stylesheet = """
        body { font-family: system-ui, sans-serif; background: #f3f5f8; color: #1d2733; margin: 0; }
        main { max-width: 22rem; margin: 12vh auto; background: #fff; padding: 2rem; border-radius: 8px; box-shadow: 0 2px 12px #0002; }
        h1 { margin-top: 0; font-size: 1.6rem; }
        label { display: block; margin: 0 0 1rem; font-size: .9rem; }
        input { display: block; width: 100%; box-sizing: border-box; margin-top: .3rem; padding: .5rem; font-size: 1rem; }
        button { width: 100%; padding: .6rem; font-size: 1rem; background: #1f5fa8; color: #fff; border: 0; border-radius: 4px; cursor: pointer; }
        .error { color: #a01b1b; }
        """;

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
