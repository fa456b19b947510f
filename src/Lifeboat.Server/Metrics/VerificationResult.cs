namespace Lifeboat.Server.Metrics;

/// <summary>How a boot verification ended, for <see cref="ServerMetrics.Verifications"/>.</summary>
internal enum VerificationResult
{
    Passed,
    Failed,
}
