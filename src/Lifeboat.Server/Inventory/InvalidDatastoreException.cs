namespace Lifeboat.Server.Inventory;

/// <summary>The fields of a datastore declaration, as a refusal names them (the console shows it beside the field).</summary>
public static class DatastoreField
{
    public const string Name = "name";
    public const string Path = "path";
}

/// <summary>A declaration refused; each problem's field is one of <see cref="DatastoreField"/>.</summary>
public sealed class InvalidDatastoreException : InvalidFieldsException
{
    public InvalidDatastoreException(string field, string message, Exception? inner = null)
        : base(field, message, inner)
    {
    }

    public InvalidDatastoreException(IReadOnlyList<FieldProblem> problems)
        : base(problems)
    {
    }
}
