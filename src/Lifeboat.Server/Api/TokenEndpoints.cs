using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Lifeboat.Server.Api;

/// <summary>/api/tokens (admin): API tokens for the CLI and scripts; the secret is shown once, when it is made.</summary>
public static class TokenEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/tokens").WithTags("Tokens").RequireAuthorization(LifeboatPolicies.Admin);
        group.MapGet("/", List).WithSummary("Every token, revoked ones too; never their secrets.");
        group.MapPost("/", Create).WithSummary("Makes a token; the answer holds its secret, which is never shown again.")
            .Audited("token.create", (context, _) => context.Arguments.OfType<CreateTokenRequest>().FirstOrDefault() is { } r ? $"{r.Name} ({r.Role})" : "");
        group.MapDelete("/{nameOrId}", Revoke).WithSummary("Revokes a token by name or id; calls with it are refused from now on.").Audited("token.revoke");
    }

    private static Ok<List<TokenView>> List(Accounts accounts) => TypedResults.Ok(accounts.ListTokens().ToList());

    private static Created<CreatedTokenView> Create(CreateTokenRequest request, Accounts accounts, HttpContext context) =>
        Answered.Created(accounts.CreateToken(context.User, request), created => $"/api/tokens/{created.Token.Id}");

    private static NoContent Revoke(string nameOrId, Accounts accounts) => Answered.After(() => accounts.RevokeToken(nameOrId));
}
