using Lifeboat.Server.Contracts;

namespace Lifeboat.Server;

/// <summary>
/// A request refused for what its fields hold: <see cref="Problems"/> has every field's problem (the field and its
/// sentence, in words of its own: no CLI flags), <see cref="Field"/> the first's field, <see cref="Exception.Message"/>
/// all their sentences. The console shows each beside its field; REST answers them all in <see cref="Api.ApiError"/>.
/// </summary>
public abstract class InvalidFieldsException : ArgumentException
{
    protected InvalidFieldsException(string field, string message, Exception? inner)
        : base(message, inner) => Problems = [new FieldProblem(field, message)];

    protected InvalidFieldsException(IReadOnlyList<FieldProblem> problems)
        : base(string.Join(" ", problems.Select(p => p.Message))) => Problems = problems;

    public IReadOnlyList<FieldProblem> Problems { get; }

    public string Field => Problems[0].Field;
}
