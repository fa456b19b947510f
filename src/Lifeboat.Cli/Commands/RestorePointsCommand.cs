using System.CommandLine;
using Lifeboat.Cli.Output;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

internal static class RestorePointsCommand
{
    public static Command Create()
    {
        var repo = GlobalOptions.Repository();
        var vm = new Option<string?>("--vm") { Description = "Only this VM's restore points." };
        var command = new Command("restore-points", "List restore points, oldest first.") { repo, vm };
        CommandRunner.SetAction(command, (parse, console, _) =>
        {
            using var repository = RepositoryOpener.Open(parse.GetValue(repo)!);
            var points = repository.ListRestorePoints(parse.GetValue(vm));
            if (console.Json)
            {
                console.WriteJson(points.Select(RestorePointJson.From).ToList(), CliJsonContext.Default.ListRestorePointJson);
                return Task.FromResult(ExitCodes.Ok);
            }
            if (points.Count == 0)
            {
                console.Line("No restore points.");
                return Task.FromResult(ExitCodes.Ok);
            }
            var table = new Table().Border(TableBorder.Rounded).AddColumns(
                new TableColumn("ID").NoWrap(), new TableColumn("VM"), new TableColumn("Time (UTC)").NoWrap(),
                new TableColumn("Disks").RightAligned(), new TableColumn("Size").RightAligned().NoWrap(),
                new TableColumn("Stored").RightAligned().NoWrap(), new TableColumn("Parent").NoWrap());
            foreach (var rp in points)
            {
                table.AddRow(
                    Markup.Escape(rp.Id),
                    Markup.Escape(rp.Vm),
                    rp.Time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture),
                    rp.Disks.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Sizes.Format(rp.LogicalBytes),
                    Sizes.Format(rp.StoredBytes),
                    Markup.Escape(rp.ParentId ?? "-"));
            }
            console.Write(table);
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }
}
