using Lifeboat.Server.Contracts;

namespace Lifeboat.Server.Jobs;

/// <summary>The fields of a job's definition, as a refusal names them (the console shows the sentence beside that field).</summary>
public static class JobSpecField
{
    public const string Name = "name";
    public const string Vm = "vm";
    public const string Source = "source";
    public const string Schedule = "schedule";
    public const string KeepLast = "keep-last";
    public const string Retries = "retries";
    public const string Verify = "verify";
    public const string Repository = "repository";
}

/// <summary>A job definition that is not valid; each problem's field is a <see cref="JobSpecField"/>.</summary>
public sealed class InvalidJobSpecException : InvalidFieldsException
{
    public InvalidJobSpecException(string field, string message, Exception? inner = null)
        : base(field, message, inner)
    {
    }

    public InvalidJobSpecException(IReadOnlyList<FieldProblem> problems)
        : base(problems)
    {
    }
}
