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
    /// <exception cref="InvalidOperationException">The name or the folder is declared already.</exception>
    public DatastoreView Add(AddDatastoreRequest request)
    {
        if (AccountName.Problem(request.Name, "datastore") is { } nameProblem)
            throw new InvalidDatastoreException(DatastoreField.Name, "name " + nameProblem);
        if (string.IsNullOrEmpty(request.Path) || request.Path.Length > WritablePlaces.MaxPathLength || request.Path.Any(char.IsControl) || !Path.IsPathFullyQualified(request.Path))
            throw new InvalidDatastoreException(DatastoreField.Path, $"path must be a folder's absolute path of at most {WritablePlaces.MaxPathLength} characters without control characters.");
        string real;
        try
        {
            real = WritablePlaces.RealPath(request.Path);
        }
        catch (IOException e)
        {
            throw new InvalidDatastoreException(DatastoreField.Path, $"path '{request.Path}' cannot be followed to where it leads ({e.Message}); give a plain folder's path.", e);
        }

        if (!Directory.Exists(real))
            throw new InvalidDatastoreException(DatastoreField.Path, $"path '{request.Path}' is not an existing folder; create it (with the owner and mode its files should have) and declare it again.");
        if (real == "/")
            throw new InvalidDatastoreException(DatastoreField.Path, "path '/' would let operators write anywhere; declare the folder that holds production disks.");
        if (List().FirstOrDefault(d => d.Name == request.Name || d.Path == real) is { } taken)
            throw new InvalidOperationException($"Datastore {taken.Name} is declared already at {taken.Path}; remove it first or choose another name.");
        var view = new DatastoreView(request.Name, real, BuiltIn: false, time.GetUtcNow());
        if (!store.Add(view.Name, view.Path, view.AddedAt!.Value))
            throw new InvalidOperationException($"A datastore named {request.Name} or at {real} was declared meanwhile; list them and try again.");
        return view;
    }

    /// <exception cref="KeyNotFoundException">No datastore has that name.</exception>
    /// <exception cref="InvalidOperationException">It is the server's own cache folder.</exception>
    public void Remove(string name)
    {
        if (name == CacheName)
            throw new InvalidOperationException($"Datastore {CacheName} is the server's own cache folder; it cannot be removed.");
        if (!store.Remove(name))
            throw new KeyNotFoundException($"There is no datastore {name}; list them with `lifeboat datastores`.");
    }

    /// <summary><paramref name="path"/> as it really leads, when it is inside a datastore.</summary>
    /// <exception cref="ArgumentException">It is not; the message names <paramref name="field"/> and the datastores.</exception>
    public string Resolve(string? path, string field) =>
        WritablePlaces.Resolve(path, List().Select(d => d.Path), field, out var problem) ?? throw new ArgumentException(problem);

    /// <summary>The folders of every datastore, for the mount server's own check before it creates a write cache.</summary>
    public IReadOnlyList<string> Folders() => [.. List().Select(d => d.Path)];
}
