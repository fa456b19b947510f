namespace Lifeboat.Nfs.Datastore.Local;

/// <summary>
/// The Linux errno values the calls on the client files folder give, by name, and the few the folder's own checks
/// give in the same terms; <see cref="None"/> is success. Every operation of <see cref="LocalTree"/> answers one; what
/// a client sees for it is the NFS layer's choice. A value without a name here is still carried as its number.
/// </summary>
internal enum Errno
{
    None = 0,
    Perm = 1,
    NoEnt = 2,
    Io = 5,
    NxIo = 6,
    Again = 11,
    Acces = 13,
    Exist = 17,
    XDev = 18,
    NoDev = 19,
    NotDir = 20,
    IsDir = 21,
    Inval = 22,
    FBig = 27,
    NoSpc = 28,
    RoFs = 30,
    MLink = 31,
    NameTooLong = 36,
    NotEmpty = 39,
    Loop = 40,
    Overflow = 75,
    NotSupported = 95,
    Stale = 116,
    DQuot = 122,
}
