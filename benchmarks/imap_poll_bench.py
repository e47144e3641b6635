"""Show that an IMAP poll costs what the new mail costs, not what the mailbox holds.

Two mailboxes on a real Dovecot (the test harness's): one with 10,000 old messages, one with
10. Both get a cursor; polls with no new mail are timed, then 10 new messages arrive in each
and polls are timed again. Then the whole email channel's sync (poll, decide, journal, and 10
replies over SMTP to a loopback server) is timed the same way, with 10 new messages from new
senders before each run. Runs alternate between the two (so drift in the machine hits both
alike); the medians and their ratios are printed.

Run from the repository root:
    python -m benchmarks.imap_poll_bench [--format maildir|sdbox|both] [--old 10000] [--runs 30]
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from hours.autoreply import SyncRun
from hours.channels.email_imap import ImapChannel
from hours.clients.imap import Cursor, ImapReader
from hours.clients.net import Endpoint
from hours.config.autoreply import parse
from hours.journal import Journal
from hours.schedule import Schedule, Spec
from tests.servers.dovecot import Dovecot, MailUser, make_message, missing_packages_reason
from tests.servers.smtp import SmtpRecorder

CLIENT = "client@client.test"
PASSWORD_ENV = "HOURS_BENCH_MAIL_PASSWORD"
ALWAYS_CLOSED = Schedule(Spec("UTC", week=((),) * 7))


def fill_maildir(user: MailUser, count: int) -> None:
    """Write `count` messages straight into a maildir Dovecot has not indexed yet.

    Far faster than APPEND or LMTP; Dovecot assigns UIDs when it first opens the mailbox.
    """
    cur = user.maildir / "cur"
    for name in ("cur", "new", "tmp"):
        (user.maildir / name).mkdir(parents=True, exist_ok=True)
    pid = os.getpid()
    for i in range(count):
        message = make_message(sender=CLIENT, to=user.address, subject=f"old {i}")
        (cur / f"1700000000.M{i}P{pid}.bench:2,").write_bytes(message.as_bytes())
    if os.geteuid() == 0:
        # The harness runs Dovecot as `nobody`; the files must be its own.
        uid, gid = (user.home.stat().st_uid, user.home.stat().st_gid)
        for path in [user.maildir, *user.maildir.iterdir(), *cur.iterdir()]:
            os.chown(path, uid, gid)


def append_old(server: Dovecot, user: MailUser, count: int) -> None:
    """Store `count` messages with IMAP MULTIAPPEND, in batches (any mailbox format)."""
    with server.imap(user) as client:
        for start in range(0, count, 500):
            batch = [
                make_message(sender=CLIENT, to=user.address, subject=f"old {i}").as_bytes()
                for i in range(start, min(count, start + 500))
            ]
            client.multiappend("INBOX", batch)


def deliver_new(server: Dovecot, user: MailUser, count: int) -> None:
    """Deliver `count` messages through LMTP, as mail arriving after the cursor."""
    for i in range(count):
        message = make_message(sender=CLIENT, to=user.address, subject=f"new {i}")
        server.deliver(user, message, mail_from=CLIENT)


def timed_poll(reader: ImapReader, cursor: Cursor, expected: int) -> float:
    """Return the seconds one complete poll (connect, login, examine, fetch, logout) takes."""
    start = time.perf_counter()
    result = reader.poll(cursor)
    elapsed = time.perf_counter() - start
    if len(result.messages) != expected:
        raise SystemExit(f"expected {expected} new messages, got {len(result.messages)}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the medians and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--old", type=int, default=10_000, help="messages in the big mailbox")
    parser.add_argument("--small", type=int, default=10, help="messages in the small mailbox")
    parser.add_argument("--new", type=int, default=10, help="new messages in each")
    parser.add_argument("--runs", type=int, default=30, help="timed polls of each mailbox")
    parser.add_argument(
        "--format",
        choices=["maildir", "sdbox", "both"],
        default="both",
        help="Dovecot's storage format for both mailboxes (default: each in turn)",
    )
    args = parser.parse_args(argv)

    # aiosmtpd warns on every login that an attribute it sets itself is deprecated.
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    reason = missing_packages_reason()
    if reason is not None:
        print(f"cannot run: {reason}", file=sys.stderr)
        return 1
    formats = ["maildir", "sdbox"] if args.format == "both" else [args.format]
    for mail_format in formats:
        run_format(args, mail_format)
    print(
        "A poll with nothing new asks only STATUS. With new mail it must EXAMINE the mailbox,\n"
        "and on maildir Dovecot rescans the mailbox's directory when it is opened (about 1 us\n"
        "a message): that server-side cost is what the maildir ratio shows; sdbox has none.\n"
        "The client's own work (SEARCH, FETCH, deciding, journalling, replying: the CPU row)\n"
        "follows the new mail only; a sync's elapsed time is mostly the 10 SMTP replies."
    )
    return 0


def run_format(args: argparse.Namespace, mail_format: str) -> None:
    """Fill, poll and print the figures for one storage format."""
    smtp = SmtpRecorder().start()
    server = Dovecot(submission_port=smtp.port, mail_format=mail_format)
    try:
        server.start()
        big, small = server.new_user("big"), server.new_user("small")
        started = time.perf_counter()
        for user, count in ((big, args.old), (small, args.small)):
            if mail_format == "maildir":
                fill_maildir(user, count)
            else:
                append_old(server, user, count)
        print(f"wrote {args.old} + {args.small} messages in {time.perf_counter() - started:.1f} s")

        endpoint = Endpoint(server.host, server.imap_port, "none")
        readers = {
            name: ImapReader(endpoint, user.address, user.password)
            for name, user in (("big", big), ("small", small))
        }
        started = time.perf_counter()
        # The first poll sets the cursor at "now" (and makes Dovecot index the big mailbox).
        cursors = {name: reader.poll(None).cursor for name, reader in readers.items()}
        print(f"first polls took {time.perf_counter() - started:.2f} s")
        assert cursors["big"].last_uid == args.old, cursors

        idle = measure(readers, cursors, args.runs, expected=0)
        deliver_new(server, big, args.new)
        deliver_new(server, small, args.new)
        busy = measure(readers, cursors, args.runs, expected=args.new)
        synced, client_cpu = measure_channel(
            server, {"big": big, "small": small}, args.runs, args.new
        )
    finally:
        server.stop()
        smtp.stop()

    print(f"Dovecot {mail_format}; medians of {args.runs} alternating polls (connect to logout)")
    rows = (
        ("no new mail", idle),
        (f"{args.new} new", busy),
        (f"sync, {args.new} new", synced),
        ("sync, our CPU", client_cpu),
    )
    for label, times in rows:
        big_ms = statistics.median(times["big"]) * 1000
        small_ms = statistics.median(times["small"]) * 1000
        print(
            f"  {label:>14}: {args.old} messages {big_ms:6.2f} ms, "
            f"{args.small} messages {small_ms:6.2f} ms, ratio {big_ms / small_ms:.2f}"
        )


def measure_channel(
    server: Dovecot, users: dict[str, MailUser], runs: int, new: int
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Time the email channel's whole sync (poll, decide, journal, a reply to each): the
    elapsed time, and the CPU time of this process (the client's own work)."""
    any_user = next(iter(users.values()))
    os.environ[PASSWORD_ENV] = any_user.password
    recorder = SmtpRecorder(logins={u.address: u.password for u in users.values()}).start()
    state = Path(tempfile.mkdtemp(prefix="hours-bench-"))
    channels, journals, autoreplies = {}, {}, {}
    try:
        for name, user in users.items():
            raw = {
                "email": {
                    "mode": "imap",
                    "address": user.address,
                    "password_env": PASSWORD_ENV,
                    "imap": {"host": server.host, "port": server.imap_port, "security": "none"},
                    "smtp": {"host": recorder.host, "port": recorder.port, "security": "none"},
                }
            }
            settings = parse(raw, lambda where, msg: ValueError(f"{where}: {msg}"))
            assert settings is not None
            assert settings.email is not None
            channels[name] = ImapChannel(settings.email, state)
            journals[name] = Journal(state / name)
            autoreplies[name] = settings

        def one_sync(name: str) -> tuple[float, float]:
            run = SyncRun(
                dt.datetime.now(dt.UTC), ALWAYS_CLOSED, autoreplies[name], "Bench", journals[name]
            )
            start, cpu = time.perf_counter(), time.process_time()
            result = channels[name].sync(run)
            elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
            if result.error or result.replied not in (0, new):
                raise SystemExit(f"sync of {name}: {result}")
            return elapsed, cpu

        for name in users:
            one_sync(name)  # starts the cursor at "now"
        times: dict[str, list[float]] = {"big": [], "small": []}
        cpu: dict[str, list[float]] = {"big": [], "small": []}
        for run in range(runs):
            for user in users.values():
                for i in range(new):
                    sender = f"client{run}-{i}@client.test"
                    message = make_message(sender=sender, to=user.address, subject=f"new {i}")
                    server.deliver(user, message, mail_from=sender)
            order = ("big", "small") if run % 2 == 0 else ("small", "big")
            for name in order:
                elapsed, used = one_sync(name)
                times[name].append(elapsed)
                cpu[name].append(used)
        expected = runs * new * len(users)
        if len(recorder.messages) != expected:
            raise SystemExit(f"expected {expected} replies, got {len(recorder.messages)}")
        return times, cpu
    finally:
        for journal in journals.values():
            journal.close()
        recorder.stop()


def measure(
    readers: dict[str, ImapReader], cursors: dict[str, Cursor], runs: int, *, expected: int
) -> dict[str, list[float]]:
    """Time polls of both mailboxes, alternating which goes first, after a warm-up."""
    times: dict[str, list[float]] = {"big": [], "small": []}
    warmup = 3
    for run in range(runs + warmup):
        order = ("big", "small") if run % 2 == 0 else ("small", "big")
        for name in order:
            elapsed = timed_poll(readers[name], cursors[name], expected)
            if run >= warmup:
                times[name].append(elapsed)
    return times


if __name__ == "__main__":
    raise SystemExit(main())
