namespace Lifeboat.Server.Inventory;

/// <summary>The fields of a host declaration, as a refusal names them (the console shows it beside the field).</summary>
public static class HostField
{
    public const string Name = "name";
    public const string Connect = "connect";
    public const string MountServerAddress = "mountServerAddress";
}

/// <summary>A declaration refused; each problem's field is one of <see cref="HostField"/>.</summary>
public sealed class InvalidHostException : InvalidFieldsException
{
    public InvalidHostException(string field, string message, Exception? inner = null)
        : base(field, message, inner)
    {
    }

    public InvalidHostException(IReadOnlyList<FieldProblem> problems)
        : base(problems)
    {
    }
}
