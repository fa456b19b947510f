using System.Globalization;
using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Data;
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

    private static Ok<List<TokenView>> List(TokenStore tokens) => TypedResults.Ok(tokens.List().Select(View).ToList());

    private static Results<Created<CreatedTokenView>, BadRequest<ApiError>, Conflict<ApiError>> Create(
        CreateTokenRequest request, TokenStore tokens, HttpContext context, TimeProvider time)
    {
        if (AccountName.Problem(request.Name, "token") is { } problem)
            return TypedResults.BadRequest(new ApiError(problem));
        if (AccountName.RoleProblem(request.Role) is { } wrongRole)
            return TypedResults.BadRequest(new ApiError(wrongRole));
        var secret = ApiTokenSecret.Generate();
        var id = tokens.Add(request.Name, ApiTokenSecret.Hash(secret), request.Role, LifeboatClaims.Who(context.User), time.GetUtcNow());
        if (id is null)
            return TypedResults.Conflict(new ApiError($"There is a token {request.Name} already; revoke it first (lifeboat token revoke {request.Name}) or pick another name."));
        return TypedResults.Created($"/api/tokens/{id}", new CreatedTokenView(View(tokens.Get(id.Value)!), secret));
    }

    private static Results<NoContent, NotFound<ApiError>> Revoke(string nameOrId, TokenStore tokens, TimeProvider time)
    {
        var token = long.TryParse(nameOrId, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? tokens.Get(id) : tokens.Get(nameOrId);
        if (token is null || !tokens.Revoke(token.Id, time.GetUtcNow()))
            return TypedResults.NotFound(new ApiError($"There is no live token {nameOrId}; list them with `lifeboat token list`."));
        return TypedResults.NoContent();
    }

    private static TokenView View(StoredToken token) =>
        new(token.Id, token.Name, token.Role, token.CreatedBy, token.CreatedAt, token.LastUsedAt, token.RevokedAt);
}
