"""What every bench script beside run.sh (and the benches that import this folder) shares: the error that ends a
run, the log line, the arguments, the median with its range, writing the results, running main."""
import argparse
import statistics
import sys
import time

GUEST_TIMEOUT = 300.0
POLL = 0.01
MIB = 1 << 20


def log(text):
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


class BenchError(Exception):
    pass


def median_range(values, digits=2):
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    text = f"{statistics.median(values):.{digits}f}"
    return text if len(values) == 1 else f"{text} [{min(values):.{digits}f}-{max(values):.{digits}f}]"


def bench_arguments():
    """The arguments every bench script beside run.sh (or a run.sh of its own) is given."""
    parser = argparse.ArgumentParser()
    for name in ("--cli", "--guest", "--work", "--results", "--command", "--version"):
        parser.add_argument(name, required=True)
    parser.add_argument("--runs", type=int, default=3)
    return parser


def write_results(path, lines):
    text = "\n".join(lines) + "\n"
    with open(path, "w") as f:
        f.write(text)
    print(text)


def run_main(main, name):
    try:
        main()
    except BenchError as e:
        print(f"{name}: {e}", file=sys.stderr)
        sys.exit(1)
