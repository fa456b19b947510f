namespace Lifeboat.Server.Inventory;

/// <summary>The fields of a datastore declaration, as a refusal names them (the console shows it beside the field).</summary>
public static class DatastoreField
{
    public const string Name = "name";
    public const string Path = "path";
}

/// <summary>A datastore declaration refused; <see cref="Field"/> is one of <see cref="DatastoreField"/>.</summary>
public sealed class InvalidDatastoreException(string field, string message, Exception? inner = null) : ArgumentException(message, inner)
{
    public string Field { get; } = field;
}
