using Lifeboat.Server.Contracts;
using Lifeboat.MountServer.Publishing;
using Lifeboat.Server.Contracts.Storage;
using Lifeboat.Server.Data;
using Lifeboat.Server.Hosting;
using Lifeboat.Server.Security;

namespace Lifeboat.Server.Inventory;

/// <summary>
/// The places operators may make the server write (a recovery's write cache, a migration's production disks): the
/// server's own cache folder, and the folders an admin declared. A path given by a user is judged by where it
/// really leads (<see cref="WritablePlaces"/>) and used as resolved from then on.
/// </summary>
public sealed class DatastoreRegistry(DatastoreStore store, DataFolder data, TimeProvider time)
{
    public const string CacheName = "cache";

    public IReadOnlyList<DatastoreView> List() => [new DatastoreView(CacheName, data.Cache, BuiltIn: true, AddedAt: null), .. store.List()];

    /// <summary>Declares an existing folder, by where it really leads.</summary>
    /// <exception cref="InvalidDatastoreException">The name or the path is not valid; the message names the field.</exception>
    /// <exception cref="LifeboatException">The name or the folder is declared already.</exception>
    public DatastoreView Add(AddDatastoreRequest request)
    {
        var problems = new List<FieldProblem>();
        if (AccountName.Problem(request.Name, "datastore") is { } nameProblem)
            problems.Add(new FieldProblem(DatastoreField.Name, "name " + nameProblem));
        var real = RealFolder(request.Path, out var pathProblem);
        if (pathProblem is not null)
            problems.Add(new FieldProblem(DatastoreField.Path, pathProblem));
        if (problems.Count > 0)
            throw new InvalidDatastoreException(problems);
        if (List().FirstOrDefault(d => d.Name == request.Name || d.Path == real) is { } taken)
            throw LifeboatException.Conflict($"Datastore {taken.Name} is declared already at {taken.Path}; remove it first or choose another name.");
        var view = new DatastoreView(request.Name, real, BuiltIn: false, time.GetUtcNow());
        if (!store.Add(view.Name, view.Path, view.AddedAt!.Value))
            throw LifeboatException.Conflict($"A datastore named {request.Name} or at {real} was declared meanwhile; list them and try again.");
        return view;
    }

    /// <summary>Where <paramref name="path"/> really leads, when it is a folder a datastore may be; else the problem's sentence.</summary>
    private static string RealFolder(string? path, out string? problem)
    {
        problem = null;
        if (string.IsNullOrEmpty(path) || path.Length > WritablePlaces.MaxPathLength || path.Any(char.IsControl) || !Path.IsPathFullyQualified(path))
        {
            problem = $"path must be a folder's absolute path of at most {WritablePlaces.MaxPathLength} characters without control characters.";
            return "";
        }

        string real;
        try
        {
            real = WritablePlaces.RealPath(path);
        }
        catch (IOException e)
        {
            problem = $"path '{path}' cannot be followed to where it leads ({e.Message}); give a plain folder's path.";
            return "";
        }

        if (!Directory.Exists(real))
            problem = $"path '{path}' is not an existing folder; create it (with the owner and mode its files should have) and declare it again.";
        else if (real == "/")
            problem = "path '/' would let operators write anywhere; declare the folder that holds production disks.";
        return real;
    }

    /// <exception cref="LifeboatException">No datastore has that name.</exception>
    /// <exception cref="LifeboatException">It is the server's own cache folder.</exception>
    public void Remove(string name)
    {
        if (name == CacheName)
            throw LifeboatException.Conflict($"Datastore {CacheName} is the server's own cache folder; it cannot be removed.");
        if (!store.Remove(name))
            throw LifeboatException.NotFound($"There is no datastore {name}.", "name");
    }

    /// <summary><paramref name="path"/> as it really leads, when it is inside a datastore.</summary>
    /// <exception cref="LifeboatException">It is not; the message names <paramref name="field"/> and the datastores.</exception>
    public string Resolve(string? path, string field) =>
        WritablePlaces.Resolve(path, List().Select(d => d.Path), field, out var problem) ?? throw LifeboatException.Invalid(field, problem!);

    /// <summary>The folders of every datastore, for the mount server's own check before it creates a write cache.</summary>
    public IReadOnlyList<string> Folders() => [.. List().Select(d => d.Path)];
}
