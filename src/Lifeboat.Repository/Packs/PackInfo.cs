namespace Lifeboat.Repository.Packs;

/// <summary>A pack known through its index file: how many chunk records and bytes of records it holds.</summary>
internal sealed record PackInfo(string PackId, int Chunks, long RecordBytes);
