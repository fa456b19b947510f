using System.Globalization;

namespace Lifeboat.Fuzz;

/// <summary>How many inputs a fuzz test runs: 10^5 by default, LIFEBOAT_FUZZ_INPUTS=N for a longer run.</summary>
internal static class FuzzRun
{
    public const string InputsVariable = "LIFEBOAT_FUZZ_INPUTS";

    public static int Inputs(int normal) =>
        int.TryParse(Environment.GetEnvironmentVariable(InputsVariable), NumberStyles.None, CultureInfo.InvariantCulture, out var inputs) && inputs > 0
            ? inputs
            : normal;

    /// <summary>The seed of a run: LIFEBOAT_FUZZ_SEED=N replays one; otherwise fixed, so a failure reproduces.</summary>
    public static int Seed(int normal) =>
        int.TryParse(Environment.GetEnvironmentVariable("LIFEBOAT_FUZZ_SEED"), NumberStyles.None, CultureInfo.InvariantCulture, out var seed) ? seed : normal;
}
