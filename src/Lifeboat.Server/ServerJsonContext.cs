using System.Text.Json.Serialization;
using Lifeboat.Server.Sessions;

namespace Lifeboat.Server;

/// <summary>
/// What the server stores and no client reads (a session's record, a boot profile's blocks), with the options of
/// <see cref="ContractsJsonContext"/>, which holds every REST document.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(SessionRecord))]
[JsonSerializable(typeof(Data.StoredBootProfile))]
public sealed partial class ServerJsonContext : JsonSerializerContext;
