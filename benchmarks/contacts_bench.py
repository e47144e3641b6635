"""Load a 50,000-contact vCard file with hours.contacts and with vobject, side by side.

The file mixes the three exports `hours` reads, in equal parts: Google Contacts (vCard 3.0,
`item1.` groups, escaped commas in names), iCloud (3.0, `type=` parameters, folded notes, a
photo on one card in twenty) and Android (2.1, QUOTED-PRINTABLE names with soft line breaks,
bare `TEL;CELL` types). Numbers are written as people type them: some in E.164, most in the
national format of the business's country (Canada here).

Reported, as the median of rounds that alternate between the two so a machine that slows down
slows both, in processor time (the work done, which other programs on a shared machine do not
change much) and in elapsed time (what a user waits, which they do):
- `hours.contacts.load`: read the file and index it, ready for lookups;
- vobject: `readComponents` over the same text, the rejected alternative, then the same file's
  numbers put into E.164 with phonenumbers, which a vobject-based loader would also have to do
  (hours.contacts does it only for the few numbers a lookup could match);
- lookups: a known number written nationally, an unknown number, a known email.

The bar: the 50,000-contact load under one second of processor time, which is what it takes
on a machine that runs nothing else; the elapsed time is printed beside it.

Needs the `bench` extra:  python3 -m pip install -e '.[bench]'
Run from the repository root:  python3 -m benchmarks.contacts_bench [--contacts 50000]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from hours import contacts

REGION = "CA"
AREA_CODES = ("416", "647", "437", "905", "289", "613", "514", "604", "403", "780")
GIVEN = ("Alex", "Sam", "Jordan", "Camille", "Jürgen", "Linh", "Priya", "Mateo", "Zoë", "Noah")
FAMILY = ("Martin", "Nguyen", "Müller", "Dubois", "García", "Singh", "O'Brien", "Kowalski")
PHOTO = "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBgUGBwkICAcHCAgJCgoN" * 30


def fold(line: str) -> str:
    """Fold a line at 75 characters, as exporters do (RFC 6350 3.2)."""
    parts = [line[:75]] + [" " + line[i : i + 74] for i in range(75, len(line), 74)]
    return "\r\n".join(parts)


def qp(text: str) -> str:
    """Encode text QUOTED-PRINTABLE the way Android does, with a soft break every 20 bytes."""
    encoded = "".join(f"={b:02X}" for b in text.encode("utf-8"))
    return "=\r\n".join(encoded[i : i + 60] for i in range(0, len(encoded), 60))


def national(number: int) -> str:
    digits = f"{number:010d}"
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"


def card(i: int, rng: random.Random) -> str:
    given, family = rng.choice(GIVEN), rng.choice(FAMILY)
    number = int(AREA_CODES[i % len(AREA_CODES)] + f"{2000000 + i:07d}")
    email = f"{given.lower()}.{family.lower()}.{i}@example.org".replace("ü", "u")
    kind = i % 3
    if kind == 0:  # Google Contacts
        lines = [
            "BEGIN:VCARD",
            "VERSION:3.0",
            f"FN:{family}\\, {given}",
            f"N:{family};{given};;;",
            f"EMAIL;TYPE=INTERNET;TYPE=HOME:{email}",
            f"TEL;TYPE=CELL:+1 {str(number)[:3]}-{str(number)[3:6]}-{str(number)[6:]}",
            f"item1.TEL:{national(number + 1)}",
            "item1.X-ABLabel:Work",
            "CATEGORIES:myContacts",
            "END:VCARD",
        ]
    elif kind == 1:  # iCloud
        lines = [
            "BEGIN:VCARD",
            "VERSION:3.0",
            "PRODID:-//Apple Inc.//iPhone OS 17.5//EN",
            f"N:{family};{given};;;",
            f"FN:{given} {family}",
            f"item1.EMAIL;type=INTERNET;type=pref:{email.upper()}",
            f"TEL;type=CELL;type=VOICE;type=pref:{national(number)}",
            fold(
                f"NOTE:Prefers mornings; last visit {i % 28 + 1} March. "
                + "Allergic to nothing. " * 3
            ),
            f"item2.ADR;type=HOME;type=pref:;;{i} Queen St W;Toronto;ON;M5H 2N2;Canada",
            "item2.X-ABADR:ca",
        ]
        if i % 20 == 1:
            lines.append(fold(f"PHOTO;ENCODING=b;TYPE=JPEG:{PHOTO}"))
        lines.append("END:VCARD")
    else:  # Android
        lines = [
            "BEGIN:VCARD",
            "VERSION:2.1",
            f"N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:{qp(family)};{qp(given)};;;",
            f"FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:{qp(f'{given} {family}')}",
            f"TEL;CELL;PREF:{national(number)}",
            f"TEL;HOME:+1{number + 2}",
            f"EMAIL;HOME:{email}",
            "END:VCARD",
        ]
    return "\r\n".join(lines) + "\r\n"


def write_file(path: Path, count: int) -> None:
    rng = random.Random(50_000)
    path.write_text("".join(card(i, rng) for i in range(count)), encoding="utf-8")


def hours_load(path: Path) -> contacts.AddressBook:
    return contacts.load(path, region=REGION)


def vobject_load(path: Path) -> list[str]:
    import phonenumbers
    import vobject

    numbers = []
    for component in vobject.readComponents(path.read_text(encoding="utf-8")):
        for tel in component.contents.get("tel", []):
            parsed = phonenumbers.parse(tel.value, REGION)
            numbers.append(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))
    return numbers


def timed(run: Callable[[], object]) -> tuple[float, float]:
    """Return the processor time and the elapsed time that `run` takes."""
    cpu, wall = time.process_time(), time.perf_counter()
    run()
    return time.process_time() - cpu, time.perf_counter() - wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--vobject-rounds", type=int, default=1, help="0 skips vobject")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "contacts.vcf"
        write_file(path, args.contacts)
        size = path.stat().st_size / 2**20
        print(f"{args.contacts:,} contacts, {size:.1f} MiB (Google, iCloud, Android exports)")

        ours: list[tuple[float, float]] = []
        theirs: list[tuple[float, float]] = []
        for r in range(max(args.rounds, args.vobject_rounds)):
            if r < args.rounds:
                ours.append(timed(lambda: hours_load(path)))
            if r < args.vobject_rounds:
                theirs.append(timed(lambda: vobject_load(path)))
        book = hours_load(path)
        assert len(book) == args.contacts, len(book)
        cpu = statistics.median(c for c, _ in ours)
        wall = statistics.median(w for _, w in ours)
        verdict = "under" if cpu < 1 else "OVER"
        print(f"  {'':24} {'processor':>10} {'elapsed':>10}")
        print(f"  hours.contacts.load      {cpu:8.3f} s {wall:8.3f} s  ({verdict} the 1 s bar)")
        if theirs:
            other_cpu = statistics.median(c for c, _ in theirs)
            other_wall = statistics.median(w for _, w in theirs)
            print(
                f"  vobject + phonenumbers   {other_cpu:8.3f} s {other_wall:8.3f} s  "
                f"({other_cpu / cpu:.1f}x hours.contacts)"
            )
        print(
            f"  (load average over the last minute: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
        )

        rng = random.Random(1)
        picks = [rng.randrange(args.contacts) for _ in range(2_000)]
        known = [f"+1{int(AREA_CODES[i % len(AREA_CODES)] + f'{2000000 + i:07d}')}" for i in picks]
        unknown = [
            f"+1{int(AREA_CODES[i % len(AREA_CODES)] + f'{9000000 + i:07d}')}" for i in picks
        ]
        emails = [book.contacts[i].emails[0].upper() for i in picks]
        for label, senders in (
            ("known number", known),
            ("unknown number", unknown),
            ("known email", emails),
        ):
            start = time.perf_counter()
            found = sum(book.lookup(s) is not None for s in senders)
            per = (time.perf_counter() - start) / len(senders) * 1e6
            print(f"  lookup, {label:<15} {per:8.1f} µs  ({found:,} of {len(senders):,} found)")


if __name__ == "__main__":
    main()
