namespace Lifeboat.Nbd.Protocol;

/// <summary>Information types of NBD_REP_INFO, asked for by NBD_OPT_INFO and NBD_OPT_GO.</summary>
public enum NbdInfoType : ushort
{
    Export = 0,
    Name = 1,
    Description = 2,
    BlockSize = 3,
}
