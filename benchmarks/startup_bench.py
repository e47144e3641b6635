"""Time `hours status -q` against `python -c "import click"`, side by side, and print the ratio.

`hours status` runs from cron and shell prompts, so its start is the cost users feel most. The
bar: at most 1.3 times what Python takes to start and import click alone (the product's
contract allows 1.5). The config is a busy
one (public holidays of Ontario, a vacation, a recurring day off, earnings, a compared job); one
warm-up run fills the holiday cache in the state directory and the bytecode cache, as the
first real run would. Then
each round runs every command once, in turn, so a machine that slows down slows all of them;
the median of the rounds is reported. `hours report` for one week and `hours cost` (52 weeks of
holidays and closures) are timed the same way, for their ratio to the same baseline, and so is
bare `hours`, the dashboard, which is as hot a path as `hours status`.

With --instructions, and valgrind installed, `hours status -q` and the baseline are also run
once each under callgrind, which counts the instructions they execute: unlike the time, that
count does not depend on what else the machine is doing, so the ratio is the same from one run
to the next (hash randomisation is fixed for those runs, as it changes the count a little).

Run from the repository root, with `hours` installed:
    python3 -m benchmarks.startup_bench [--rounds 30] [--instructions]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BAR = 1.3  # hours status -q against python -c "import click"
CONFIG = """\
name = "Sam's Nails"
timezone = "America/Toronto"

[week]
mon = "09:00-17:00"
tue = ["09:00-12:00", "13:00-17:00"]
wed = "09:00-17:00"
thu = "09:00-17:00"
fri = "22:00-02:00"
sat = "10:00-14:00"

[holidays]
country = "CA"
subdivision = "ON"
keep_open = ["Family Day"]

[[closed]]
from = 2026-12-24
to = 2026-12-26
reason = "Christmas"

[[closed]]
rrule = "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR"
start = 2026-01-09
reason = "Every other Friday off"

[earnings]
weekly = 1200
currency = "CAD"

[[earnings.compare]]
label = "newspaper delivery"
hourly = 12.50
"""


def hours_command() -> list[str]:
    """Return the installed console script beside this Python, as users run it."""
    script = Path(sys.executable).with_name("hours")
    if script.exists():
        return [str(script)]
    found = shutil.which("hours")
    if found is None:
        sys.exit("hours is not installed: python3 -m pip install -e .")
    return [found]


def run_once(argv: list[str], env: dict[str, str], ok: set[int]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if done.returncode not in ok:
        sys.exit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode()}")
    return elapsed


def instructions(argv: list[str], env: dict[str, str], ok: set[int]) -> int:
    """Return how many instructions `argv` executes, as valgrind's callgrind counts them."""
    counted = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        *argv,
    ]
    env = {**env, "PYTHONHASHSEED": "0"}
    done = subprocess.run(counted, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if done.returncode not in ok:
        sys.exit(f"{' '.join(counted)} failed ({done.returncode}): {done.stderr.decode()}")
    found = re.search(r"Collected : (\d+)", done.stderr.decode())
    if found is None:
        sys.exit(f"callgrind reported no count: {done.stderr.decode()}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="also count the instructions of `hours status -q` and the baseline (valgrind)",
    )
    args = parser.parse_args()
    if args.instructions and shutil.which("valgrind") is None:
        sys.exit("--instructions needs valgrind: apt-get install valgrind")
    counts: dict[str, int] = {}

    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.toml"
        config.write_text(CONFIG)
        env = {**os.environ, "HOURS_CONFIG": str(config), "HOURS_HOME": str(Path(tmp) / "state")}
        env.pop("NO_COLOR", None)
        # An installed package runs from compiled bytecode (pip compiles it); an editable
        # checkout gets it at the first run, unless this is set, as it is on some machines.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        hours = hours_command()
        at = ["--at", "2026-11-23T10:00"]
        commands = {
            'python -c "import click"': ([sys.executable, "-c", "import click"], {0}),
            "hours status -q": ([*hours, "status", "-q", *at], {0, 1}),
            "hours (the dashboard)": (hours, {0}),
            "hours report (one week)": ([*hours, "report", "--week", "2026-W48"], {0}),
            "hours cost (52 weeks)": ([*hours, "cost", *at], {0}),
        }
        for argv, ok in commands.values():  # warm-up: holiday cache, .pyc files, disk cache
            run_once(argv, env, ok)
        if args.instructions:
            for name in ('python -c "import click"', "hours status -q"):
                argv, ok = commands[name]
                counts[name] = instructions(argv, env, ok)  # warm, as the timed runs are
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.rounds):
            for name, (argv, ok) in commands.items():
                times[name].append(run_once(argv, env, ok))

    base = statistics.median(times['python -c "import click"'])
    print(f"Median of {args.rounds} rounds, each command once a round, in turn.")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name:<26} {median * 1e3:8.1f} ms   {median / base:4.2f}x import click")
    ratio = statistics.median(times["hours status -q"]) / base
    verdict = "within" if ratio <= BAR else "OVER"
    print(f"hours status -q is {ratio:.2f}x `import click`: {verdict} the {BAR}x bar.")
    if counts:
        print("Instructions executed, as callgrind counts them (one run each):")
        for name, count in counts.items():
            print(f"  {name:<26} {count / 1e6:8.1f} M")
        ratio = counts["hours status -q"] / counts['python -c "import click"']
        verdict = "within" if ratio <= BAR else "OVER"
        print(f"In instructions hours status -q is {ratio:.3f}x: {verdict} the {BAR}x bar.")


if __name__ == "__main__":
    main()
