using Lifeboat.Server.Inventory;

namespace Lifeboat.Server.Tests;

/// <summary>Recoveries that are starting keep a job's retention off; a recovery that starts during retention waits for it.</summary>
public sealed class RetentionGateTests
{
    [Fact]
    public async Task Retention_is_refused_while_a_recovery_starts_and_a_recovery_waits_for_retention_to_end()
    {
        var gate = new RetentionGate();
        var recovery = await gate.EnterRecoveryAsync(CancellationToken.None);
        Assert.Null(gate.TryEnterRetention());
        recovery.Dispose();
        recovery.Dispose();

        var retention = gate.TryEnterRetention();
        Assert.NotNull(retention);
        Assert.Null(gate.TryEnterRetention());
        var waiting = gate.EnterRecoveryAsync(CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        retention.Dispose();
        using (await waiting.WaitAsync(TimeSpan.FromSeconds(10)))
            Assert.Null(gate.TryEnterRetention());
        using (gate.TryEnterRetention())
        {
            using var cancel = new CancellationTokenSource();
            var cancelled = gate.EnterRecoveryAsync(cancel.Token);
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        }

        Assert.NotNull(gate.TryEnterRetention());
    }
}
