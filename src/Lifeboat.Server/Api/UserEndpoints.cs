using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Lifeboat.Server.Api;

/// <summary>/api/users (admin, but for a user changing their own password): the people who sign in to the console.</summary>
public static class UserEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/users").WithTags("Users");
        group.MapGet("/", List).WithSummary("Every user with their role.").RequireAuthorization(LifeboatPolicies.Admin);
        group.MapPost("/", Add).WithSummary("Adds a user; without a password the server makes one and answers it once.").RequireAuthorization(LifeboatPolicies.Admin)
            .Audited("user.add", (context, _) => context.Arguments.OfType<AddUserRequest>().FirstOrDefault() is { } r ? $"{r.Name} ({r.Role})" : "");
        group.MapDelete("/{name}", Remove).WithSummary("Removes a user and revokes the API tokens they created.").RequireAuthorization(LifeboatPolicies.Admin)
            .Audited("user.remove");
        // Any signed-in user, for their own password; Accounts refuses anyone else's to all but admins.
        group.MapPost("/{name}/password", ChangePassword)
            .WithSummary("Sets a user's password: your own with your current one, or (as an admin) anyone's; the user's other browser sessions end.")
            .RequireAuthorization(LifeboatPolicies.Viewer).Refuses(StatusCodes.Status429TooManyRequests).Audited("user.password");
    }

    private static Ok<List<UserView>> List(Accounts accounts) => TypedResults.Ok(accounts.ListUsers().ToList());

    private static Created<AddedUserView> Add(AddUserRequest request, Accounts accounts, HttpContext context) =>
        Answered.Created(accounts.AddUser(context.User, request), added => $"/api/users/{Uri.EscapeDataString(added.User.Name)}");

    private static NoContent Remove(string name, Accounts accounts) => Answered.After(() => accounts.RemoveUser(name));

    private static NoContent ChangePassword(string name, ChangePasswordRequest request, Accounts accounts, HttpContext context) =>
        Answered.After(() => accounts.ChangePassword(context.User, context.Connection.RemoteIpAddress?.ToString(), name, request));
}
