using System.Globalization;
using System.Security.Claims;
using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Inventory;

namespace Lifeboat.Server.WebConsole;

/// <summary>
/// The Repositories page's buttons: register, check and unregister, checked and audited like every console action
/// (<see cref="ConsoleActions"/>) under the REST API's action names.
/// </summary>
public sealed class RepositoryActions(ConsoleActions actions, RepositoryRegistry registry, RepositoryUnregistration unregistration)
{
    /// <summary>The form field a refusal to add is about.</summary>
    public const string FolderField = "folder";

    public Task<ConsoleOutcome> AddAsync(ClaimsPrincipal who, string? from, string path, CancellationToken cancellationToken) =>
        actions.RunAsync(who, from, "repository.add", path, LifeboatRoles.Admin, _ =>
        {
            try
            {
                var (added, repository) = registry.Add(path, "folder");
                var view = RepositoryInspection.View(repository);
                var message = added
                    ? $"Registered {view.Path}: {view.RestorePoints} restore point(s) of {view.Vms} VM(s); recoveries find them now."
                    : $"{view.Path} was registered already.";
                return Task.FromResult((new ConsoleOutcome(true, message, view.Path), view.Path));
            }
            catch (LifeboatException e)
            {
                return Task.FromResult((ConsoleOutcome.Refused(e), path));
            }
        }, cancellationToken);

    public Task<ConsoleOutcome> CheckAsync(ClaimsPrincipal who, string? from, string path, CancellationToken cancellationToken) =>
        actions.RunAsync(who, from, "repository.check", path, LifeboatRoles.Operator, _ =>
        {
            var check = RepositoryInspection.Check(path, cancellationToken);
            var figures = $"{check.RestorePoints} restore point(s), {check.Chunks.ToString("N0", CultureInfo.InvariantCulture)} chunks in {check.Packs} pack(s), "
                + $"checked in {Show.Seconds(check.Seconds)}";
            var outcome = check.Ok
                ? new ConsoleOutcome(true, $"{path} is sound: {figures}.", path)
                : new ConsoleOutcome(false, $"{path}: {string.Join(" ", check.Problems)} ({figures}.)", path);
            return Task.FromResult((outcome, path));
        }, cancellationToken);

    public Task<ConsoleOutcome> UnregisterAsync(ClaimsPrincipal who, string? from, string path, CancellationToken cancellationToken) =>
        actions.RunAsync(who, from, "repository.unregister", path, LifeboatRoles.Admin, _ =>
        {
            var removed = unregistration.Unregister(path);
            return Task.FromResult((new ConsoleOutcome(true, $"{removed} is unregistered; its files stay where they are.", removed), removed));
        }, cancellationToken);
}
