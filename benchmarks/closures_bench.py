"""Time `hours status -q` on busy and old schedules against a plain one, side by side.

A schedule is built for the window a command looks at, so its cost should follow the window,
not how many years a rule has run or how long a closure spans. Three configs:
- plain: weekly hours and a recurring day off;
- 10,000 closures: ten thousand partial-day closures over eight years (an import's cap);
- old rules: a daily rule started in 1900 and lunch closed every day from 1900 to 9000.
Each round runs each once, in turn; the median of the rounds is reported, as a ratio to plain.

Run from the repository root, with `hours` installed:
    python3 -m benchmarks.closures_bench [--rounds 20]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import tempfile
from pathlib import Path

from benchmarks.startup_bench import hours_command, run_once

PLAIN = """\
timezone = "Europe/London"
[week]
mon = "09:00-17:00"
tue = "09:00-17:00"
wed = "09:00-17:00"
[[closed]]
rrule = "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR"
start = 2026-01-09
"""


def many_closures(count: int) -> str:
    """Return the plain config with `count` partial-day closures from 2026 on."""
    first = dt.date(2026, 1, 1)
    lines = [PLAIN]
    for i in range(count):
        day = first + dt.timedelta(days=i % 3000)
        lines.append(
            f'[[closed]]\ndate = {day}\nhours = "{i % 20:02d}:00-{i % 20 + 1:02d}:00"\n'
            f'reason = "closure {i}"\n'
        )
    return "".join(lines)


OLD = PLAIN + (
    '[[closed]]\nrrule = "FREQ=DAILY;BYDAY=SU"\nstart = 1900-01-07\n'
    '[[closed]]\nfrom = 1900-01-01\nto = 9000-12-31\nhours = "12:00-13:00"\n'
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    configs = {"plain": PLAIN, "10,000 closures": many_closures(10_000), "old rules": OLD}
    hours = hours_command()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "HOURS_HOME": str(Path(tmp) / "state")}
        argvs = {}
        for name, text in configs.items():
            path = Path(tmp) / f"{name.replace(' ', '_').replace(',', '')}.toml"
            path.write_text(text)
            argvs[name] = [
                *hours,
                "--config",
                str(path),
                "status",
                "-q",
                "--at",
                "2026-11-23T10:00",
            ]
        for argv in argvs.values():  # warm-up: .pyc files, disk cache
            run_once(argv, env, {0, 1})
        times: dict[str, list[float]] = {name: [] for name in argvs}
        for _ in range(args.rounds):
            for name, argv in argvs.items():
                times[name].append(run_once(argv, env, {0, 1}))
    base = statistics.median(times["plain"])
    print(f"Median of {args.rounds} rounds of `hours status -q`, each config once a round.")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name:<16} {median * 1e3:8.1f} ms   {median / base:5.2f}x plain")


if __name__ == "__main__":
    main()
