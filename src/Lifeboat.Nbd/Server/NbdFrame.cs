using System.Buffers;
using Lifeboat.Nbd.Protocol;

namespace Lifeboat.Nbd.Server;

/// <summary>One request in the receive buffer: its header and, for a WRITE, its payload (valid until dispatched).</summary>
internal readonly record struct NbdFrame(NbdRequestHeader Request, ReadOnlySequence<byte> Payload);
