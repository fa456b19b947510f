using System.Globalization;
using Lifeboat.Server.Contracts;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Lifeboat.Server.Api;

/// <summary>
/// The error answers of every operation in the OpenAPI document. Endpoints throw their refusals to <see cref="ErrorAnswers"/>
/// instead of returning them, so their own result types do not show them; this lists each status an operation can answer
/// as problem details (<see cref="ApiError"/>): 401 and 403 for every signed-in one (no or a refused credential, a role
/// too low, the first start's password not yet changed, a cross-site form), 400 when it takes input that may not bind or
/// validate (413 and 415 too for a body), 404 when its route names something, 409 when it changes something, and what it declares (<see cref="ErrorStatuses"/>).
/// </summary>
public sealed class ErrorResponses : IOpenApiOperationTransformer
{
    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var statuses = Statuses(context.Description);
        if (statuses.Count == 0)
            return;
        var document = context.Document ?? throw new InvalidOperationException("The OpenAPI document is not there to hold the error schema.");
        if (document.Components?.Schemas?.ContainsKey(nameof(ApiError)) != true)
            document.AddComponent(nameof(ApiError), await context.GetOrCreateSchemaAsync(typeof(ApiError), null, cancellationToken));
        operation.Responses ??= [];
        foreach (var status in statuses)
        {
            operation.Responses.TryAdd(status.ToString(CultureInfo.InvariantCulture), new OpenApiResponse
            {
                Description = ErrorAnswers.Title(status),
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    [ApiError.ContentType] = new() { Schema = new OpenApiSchemaReference(nameof(ApiError), document) },
                },
            });
        }
    }

    public static SortedSet<int> Statuses(ApiDescription description)
    {
        var metadata = description.ActionDescriptor.EndpointMetadata;
        var statuses = new SortedSet<int>(metadata.OfType<ErrorStatuses>().SelectMany(e => e.Statuses));
        if (metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any())
            statuses.UnionWith([StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden]);
        var parameters = description.ParameterDescriptions.Where(p => p.Source != BindingSource.Services && p.Source != BindingSource.Special).ToList();
        // A route's text parameter always binds (a missing thing is a 404); a number, a query or a body may not.
        if (parameters.Any(p => p.Source != BindingSource.Path || p.Type != typeof(string)))
            statuses.Add(StatusCodes.Status400BadRequest);
        if (parameters.Any(p => p.Source == BindingSource.Body))
            statuses.UnionWith([StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType]);
        if (parameters.Any(p => p.Source == BindingSource.Path))
            statuses.Add(StatusCodes.Status404NotFound);
        if (description.HttpMethod is "POST" or "PUT" or "PATCH" or "DELETE")
            statuses.Add(StatusCodes.Status409Conflict);
        return statuses;
    }
}
