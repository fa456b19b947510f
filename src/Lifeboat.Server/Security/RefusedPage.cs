using System.Net;

namespace Lifeboat.Server.Security;

/// <summary>What a browser shows for a console page beyond its user's role (403): one sentence and the way back.</summary>
internal static class RefusedPage
{
    public static string Render(string sentence) => $$"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Lifeboat · not for your role</title>
        <link rel="stylesheet" href="{{LoginPage.StylesheetPath}}">
        </head>
        <body>
        <main>
        <h1>Lifeboat</h1>
        <p class="error" role="alert" id="refused">{{WebUtility.HtmlEncode(sentence)}}</p>
        <p><a href="/sessions">Go to Sessions.</a></p>
        </main>
        </body>
        </html>
        """;
}
