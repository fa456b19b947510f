using System.CommandLine;
using Lifeboat.Server.Contracts.Security;

namespace Lifeboat.Cli.Commands;

internal static class RoleOption
{
    public static Option<string> Create(string what)
    {
        var option = new Option<string>("--role")
        {
            Description = $"What the {what} may do: viewer (read), operator (also recover, migrate, stop, verify, run jobs), admin (also users, tokens, repositories, jobs).",
            Required = true,
        };
        option.AcceptOnlyFromAmong([.. LifeboatRoles.All]);
        return option;
    }
}
