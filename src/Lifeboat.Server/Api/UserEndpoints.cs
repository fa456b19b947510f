using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Data;
using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Lifeboat.Server.Api;

/// <summary>/api/users (admin): the people who sign in to the console.</summary>
public static class UserEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/users").WithTags("Users").RequireAuthorization(LifeboatPolicies.Admin);
        group.MapGet("/", List).WithSummary("Every user with their role.");
        group.MapPost("/", Add).WithSummary("Adds a user; without a password the server makes one and answers it once.")
            .Audited("user.add", (context, _) => context.Arguments.OfType<AddUserRequest>().FirstOrDefault() is { } r ? $"{r.Name} ({r.Role})" : "");
        group.MapDelete("/{name}", Remove).WithSummary("Removes a user and revokes the API tokens they created.").Audited("user.remove");
    }

    private static Ok<List<UserView>> List(UserStore users) => TypedResults.Ok(users.List().Select(View).ToList());

    private static Results<Created<AddedUserView>, BadRequest<ApiError>, Conflict<ApiError>> Add(AddUserRequest request, UserStore users, HttpContext context, TimeProvider time)
    {
        if (AccountName.Problem(request.Name, "user") is { } problem)
            return TypedResults.BadRequest(new ApiError(problem));
        if (AccountName.RoleProblem(request.Role) is { } wrongRole)
            return TypedResults.BadRequest(new ApiError(wrongRole));
        if (request.Password is { Length: < AccountName.MinPasswordLength })
            return TypedResults.BadRequest(new ApiError($"The password is too short; use at least {AccountName.MinPasswordLength} characters, or give none and the server makes one."));
        var generated = request.Password is null ? PasswordHasher.Generate() : null;
        var user = new StoredUser(request.Name, request.Role, PasswordHasher.Hash(request.Password ?? generated!), time.GetUtcNow(), LifeboatClaims.Who(context.User));
        if (!users.Add(user))
            return TypedResults.Conflict(new ApiError($"There is a user {request.Name} already; remove it first with `lifeboat user remove {request.Name}`."));
        return TypedResults.Created($"/api/users/{Uri.EscapeDataString(user.Name)}", new AddedUserView(View(user), generated));
    }

    private static Results<NoContent, NotFound<ApiError>, Conflict<ApiError>> Remove(string name, UserStore users, TokenStore tokens, TimeProvider time)
    {
        var user = users.Get(name);
        if (user is null)
            return TypedResults.NotFound(new ApiError($"There is no user {name}; list them with `lifeboat user list`."));
        if (user.Role == LifeboatRoles.Admin && users.CountWithRole(LifeboatRoles.Admin) == 1)
            return TypedResults.Conflict(new ApiError($"{name} is the last admin; add another admin first (lifeboat user add NAME --role admin)."));
        users.Remove(name);
        tokens.RevokeCreatedBy(name, time.GetUtcNow());
        return TypedResults.NoContent();
    }

    private static UserView View(StoredUser user) => new(user.Name, user.Role, user.CreatedAt, user.CreatedBy);
}
