"""Set the schedule engine's queries beside pandas' CustomBusinessHour and businesstimedelta.

One schedule for all three: Monday to Friday 09:00-12:00 and 13:00-17:00 in America/New_York,
closed on the US public holidays of 2026 and 2027 (from the `holidays` package). The same
10,000 random instants of 2026 go to each (seeded, to the second); each query runs in rounds
that alternate between the engines, so a machine that slows down mid-run slows all of them, and
the median round is reported in microseconds per query with its ratio to `hours`:

- is open at t;
- the next opening at or after t (t itself when open);
- open hours between t and an instant up to a year later (pandas has no such query).

It also counts how often each library agrees with `hours`, so a fast wrong answer shows.

Then the cover windows, against the engine's own is-open on the same instants and in the same
alternating rounds: who covers at t (`cover_at`) beside is it open at t (`is_open`), on all the
instants and on those where someone covers (where `cover_at` has the most to return), and the
next cover change beside the next change of state. Jo covers weekday evenings 17:00-22:00, Kim
weekends 08:00-20:00, and Ann the week of 2026-08-10 while the business is closed for it.

Needs the `bench` extra:  python3 -m pip install -e '.[bench]'
Run from the repository root:  python3 -m benchmarks.schedule_bench [--instants 10000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import holidays as holidays_package

from hours.schedule import MEDIA, Closure, Cover, Range, Schedule, Spec

ZONE_NAME = "America/New_York"
ZONE = ZoneInfo(ZONE_NAME)
MORNING, AFTERNOON = (dt.time(9), dt.time(12)), (dt.time(13), dt.time(17))
YEAR_START = dt.datetime(2026, 1, 1, tzinfo=ZONE)
YEAR_SECONDS = 365 * 86400


def us_holidays() -> list[dt.date]:
    return sorted(holidays_package.US(years=[2026, 2027]).keys())


def hours_engine(days_off: Sequence[dt.date]) -> Schedule:
    day = (Range(9 * 60, 12 * 60), Range(13 * 60, 17 * 60))
    spec = Spec(ZONE_NAME, (day,) * 5 + ((), ()))
    names = [(d, "holiday") for d in days_off]
    return Schedule(spec, lambda year: [h for h in names if h[0].year == year])


def hours_with_cover(days_off: Sequence[dt.date]) -> Schedule:
    """Return the same schedule with a week off and three cover windows."""
    day = (Range(9 * 60, 12 * 60), Range(13 * 60, 17 * 60))
    week_off = Closure("Summer week", dt.date(2026, 8, 10), dt.date(2026, 8, 16))
    cover = (
        Cover(
            "Jo",
            "+15551230001",
            frozenset(MEDIA),
            days=(0, 1, 2, 3, 4),
            ranges=(Range(17 * 60, 22 * 60),),
        ),
        Cover(
            "Kim",
            "+15551230002",
            frozenset({"voice"}),
            days=(5, 6),
            ranges=(Range(8 * 60, 20 * 60),),
        ),
        Cover(
            "Ann",
            "+15551230003",
            frozenset(MEDIA),
            first=dt.date(2026, 8, 10),
            last=dt.date(2026, 8, 14),
        ),
    )
    spec = Spec(ZONE_NAME, (day,) * 5 + ((), ()), closed=(week_off,), cover=cover)
    names = [(d, "holiday") for d in days_off]
    return Schedule(spec, lambda year: [h for h in names if h[0].year == year])


def pandas_offset(days_off: Sequence[dt.date]) -> Any:
    import pandas as pd

    return pd.offsets.CustomBusinessHour(
        start=[MORNING[0].strftime("%H:%M"), AFTERNOON[0].strftime("%H:%M")],
        end=[MORNING[1].strftime("%H:%M"), AFTERNOON[1].strftime("%H:%M")],
        holidays=list(days_off),
    )


def btd_rules(days_off: Sequence[dt.date]) -> Any:
    import businesstimedelta as btd
    import pytz

    tz = pytz.timezone(ZONE_NAME)
    weekdays = [0, 1, 2, 3, 4]
    return btd.Rules(
        [
            btd.WorkDayRule(start_time=a, end_time=b, working_days=weekdays, tz=tz)
            for a, b in (MORNING, AFTERNOON)
        ]
        + [btd.HolidayRule(list(days_off), tz=tz)]
    )


def timed(query: Callable[[Any], object], inputs: Sequence[Any]) -> tuple[float, list[object]]:
    """Return microseconds per query, and the answers."""
    start = time.perf_counter()
    answers = [query(x) for x in inputs]
    return (time.perf_counter() - start) / len(inputs) * 1e6, answers


def race(
    name: str,
    engines: dict[str, Callable[[Any], object]],
    inputs: dict[str, Sequence[Any]],
    rounds: int,
    same: Callable[[object, object], bool] | None,
    base: str = "hours",
) -> dict[str, list[object]]:
    """Run each query in alternating rounds; print medians, ratios to `base` and agreement.

    Without `same` the queries answer different questions, and only their times are set side
    by side. Return each query's answers.
    """
    times: dict[str, list[float]] = {e: [] for e in engines}
    answers: dict[str, list[object]] = {}
    for _ in range(rounds):
        for engine, query in engines.items():
            us, answers[engine] = timed(query, inputs[engine])
            times[engine].append(us)
    base_us = statistics.median(times[base])
    print(f"\n{name}")
    for engine in engines:
        us = statistics.median(times[engine])
        n = len(answers[engine])
        ratio = "1.00x" if engine == base else f"{us / base_us:,.2f}x the time of {base}"
        agreement = ""
        if same is not None and engine != base:
            agree = sum(same(a, b) for a, b in zip(answers[base], answers[engine], strict=False))
            agreement = f"; agrees with {base} on {agree}/{n}"
        print(f"  {engine:<18} {us:>12,.2f} µs/query  {ratio}{agreement}")
    return answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instants", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=48)
    # businesstimedelta walks every working block between the two instants: a year apart is
    # milliseconds a query, so it gets a sample of the pairs rather than all of them.
    parser.add_argument("--btd-pairs", type=int, default=200)
    args = parser.parse_args()

    import pandas as pd

    rng = random.Random(args.seed)
    days_off = us_holidays()
    instants = [
        YEAR_START + dt.timedelta(seconds=rng.randrange(YEAR_SECONDS)) for _ in range(args.instants)
    ]
    stamps = [pd.Timestamp(t) for t in instants]
    pairs = [(t, t + dt.timedelta(seconds=rng.randrange(YEAR_SECONDS))) for t in instants]

    schedule = hours_engine(days_off)
    cbh = pandas_offset(days_off)
    rules = btd_rules(days_off)
    built = time.perf_counter()
    schedule.open_seconds(YEAR_START, YEAR_START + dt.timedelta(days=730))
    print(
        f"Mon-Fri 09:00-12:00 and 13:00-17:00, {ZONE_NAME}, {len(days_off)} US holidays; "
        f"{args.instants:,} random instants of 2026; median of {args.rounds} rounds.\n"
        f"hours builds two years of open intervals in "
        f"{(time.perf_counter() - built) * 1e3:.1f} ms (once; included in no figure below)."
    )

    def at_or_after(t: dt.datetime) -> dt.datetime | None:
        return t if schedule.is_open(t) else schedule.next_open(t)

    def btd_at_or_after(t: dt.datetime) -> dt.datetime:
        start, _ = rules.next(t)
        return max(start, t)

    def same_instant(a: object, b: object) -> bool:
        return isinstance(a, dt.datetime) and isinstance(b, dt.datetime) and a == b

    race(
        "is open at t",
        {
            "hours": schedule.is_open,
            "pandas CBH": cbh.is_on_offset,
            "businesstimedelta": lambda t: rules.next(t)[0] <= t,
        },
        {"hours": instants, "pandas CBH": stamps, "businesstimedelta": instants},
        args.rounds,
        lambda a, b: bool(a) == bool(b),
    )
    race(
        "next opening at or after t",
        {
            "hours": at_or_after,
            "pandas CBH": lambda ts: cbh.rollforward(ts).to_pydatetime(),
            "businesstimedelta": btd_at_or_after,
        },
        {"hours": instants, "pandas CBH": stamps, "businesstimedelta": instants},
        args.rounds,
        same_instant,
    )
    sample = pairs[: args.btd_pairs]

    def btd_seconds(pair: tuple[dt.datetime, dt.datetime]) -> int:
        delta = rules.difference(*pair)
        return int(delta.hours * 3600 + delta.seconds)

    race(
        "open hours between t and up to a year later "
        f"(hours: {len(pairs):,} pairs; businesstimedelta: the first {len(sample):,})",
        {"hours": lambda p: schedule.open_seconds(*p), "businesstimedelta": btd_seconds},
        {"hours": pairs, "businesstimedelta": sample},
        max(1, args.rounds // 2),
        lambda a, b: a == b,
    )
    print("\npandas has no open-hours-between query; CustomBusinessHour only steps by it.")

    covered = hours_with_cover(days_off)
    covered.open_seconds(YEAR_START, YEAR_START + dt.timedelta(days=730))
    both = {"is_open": instants, "cover_at": instants}
    answers = race(
        "who covers at t, beside is it open at t (one schedule, the same instants)",
        {"is_open": covered.is_open, "cover_at": covered.cover_at},
        both,
        args.rounds,
        None,
        base="is_open",
    )
    # Cover is clipped to closed time: an instant both open and covered would be a bug.
    pairs_of_answers = list(zip(answers["is_open"], answers["cover_at"], strict=True))
    clash = sum(bool(is_open) and cover is not None for is_open, cover in pairs_of_answers)
    someone = [t for t, (_, cover) in zip(instants, pairs_of_answers, strict=True) if cover]
    print(
        f"  covered at {len(someone):,} of {len(instants):,} instants; open and covered at {clash}"
    )
    race(
        f"the same, on the {len(someone):,} instants where someone covers",
        {"is_open": covered.is_open, "cover_at": covered.cover_at},
        {"is_open": someone, "cover_at": someone},
        args.rounds,
        None,
        base="is_open",
    )
    race(
        "the next cover change after t, beside the next change of state",
        {
            "next_change": covered.next_change,
            "cover_changes(t, 1)": lambda t: covered.cover_changes(t, 1),
        },
        {"next_change": instants, "cover_changes(t, 1)": instants},
        args.rounds,
        None,
        base="next_change",
    )


if __name__ == "__main__":
    main()
