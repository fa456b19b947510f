namespace Lifeboat.Server;

/// <summary>
/// A request refused for what its fields hold: <see cref="LifeboatException.Problems"/> has every field's problem (the
/// field and its sentence, in words of its own: no CLI flags), the message all their sentences. The console shows each
/// beside its field; REST answers them all (Api.ErrorAnswers).
/// </summary>
public abstract class InvalidFieldsException : LifeboatException
{
    protected InvalidFieldsException(string field, string message, Exception? inner)
        : base(LifeboatErrorReason.Invalid, message, field, inner)
    {
    }

    protected InvalidFieldsException(IReadOnlyList<FieldProblem> problems)
        : base(problems)
    {
    }
}
