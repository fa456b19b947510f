"""Shared by the benches' reports: ratios of two builds paired by repetition."""
import statistics


def spread(ratios):
    """Median [min-max] of per-repetition ratios, "-" when there is none."""
    if not ratios:
        return "-"
    med = statistics.median(ratios)
    return f"{med:.2f}" if len(ratios) == 1 else f"{med:.2f} [{min(ratios):.2f}-{max(ratios):.2f}]"
