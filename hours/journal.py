"""The journal: SQLite state of the auto-replies, and the lock that keeps syncs apart.

It holds every reply (written *before* it is sent, so a crash can skip one but never send one
twice), what each item seen was decided, each mailbox's and number's cursor, each channel's last
sync, and what each provider had before `install`.

`hours report` reads the `replies` table: rows with `status = 'sent'`, by `channel` (email, sms,
voice, whatsapp) and `sent_at` (ISO 8601 UTC).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import re
import sqlite3
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hours.errors import Exit, LockedError, StateError
from hours.files import make_state_dir, own_hint, state_problem

FILENAME = "journal.sqlite3"
REPLY_CHANNELS = ("email", "sms", "voice", "whatsapp")  # what replies are counted by
SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS replies (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,          -- email, sms, voice, whatsapp
    kind TEXT NOT NULL,             -- reply, emergency, cover; forward, alert, handover
    sender TEXT NOT NULL,           -- who the reply went to (lower-cased address or number)
    item TEXT NOT NULL,             -- the message or call answered (Message-ID, SID)
    period TEXT NOT NULL,           -- start of the closed period it belongs to (ISO UTC)
    status TEXT NOT NULL,           -- sending, sent
    created_at TEXT NOT NULL,       -- ISO UTC: journalled, before sending
    sent_at TEXT                    -- ISO UTC: the provider took it
);
CREATE INDEX IF NOT EXISTS replies_sender ON replies (channel, sender, created_at);
CREATE INDEX IF NOT EXISTS replies_sent ON replies (sent_at);
CREATE TABLE IF NOT EXISTS seen (
    channel TEXT NOT NULL,
    item TEXT NOT NULL,             -- a message or call id, once decided
    decision TEXT NOT NULL,         -- replied, emergency, or skipped:<reason>
    at TEXT NOT NULL,
    PRIMARY KEY (channel, item)
);
CREATE TABLE IF NOT EXISTS cursors (
    name TEXT PRIMARY KEY,          -- e.g. imap:user@host/INBOX, twilio:+15550001111
    value TEXT NOT NULL             -- JSON
);
CREATE TABLE IF NOT EXISTS channels (
    channel TEXT PRIMARY KEY,
    last_sync TEXT,
    last_action TEXT,
    last_error TEXT,
    prior TEXT,                     -- JSON: what the provider had before install
    applied TEXT                    -- JSON: what sync last put there
);
"""
# What a journal of this schema holds, beside SQLite's own `sqlite_*` objects: anything else
# means the file belongs to someone else.
_OBJECTS = frozenset(re.findall(r"CREATE (TABLE|INDEX) IF NOT EXISTS (\w+)", _SCHEMA))


def utc_iso(value: dt.datetime) -> str:
    """Return an aware datetime as ISO 8601 in UTC, to the second."""
    return value.astimezone(dt.UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class ChannelRow:
    """What the journal knows of one channel."""

    channel: str
    last_sync: str | None
    last_action: str | None
    last_error: str | None
    prior: Any
    applied: Any


class Journal:
    """The SQLite journal in the state directory.

    A file at its path that is not a journal of this schema (another program's database, a
    newer hours's journal, not SQLite at all) is refused before anything in it is changed.
    Once open, a failure to read or write it (a full disk) is a StateError with exit 4: a
    provider may already have been written to.
    """

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / FILENAME
        make_state_dir(state_dir)
        try:
            version, objects = _schema_of(self.path)
            if version > SCHEMA_VERSION:
                raise StateError(
                    f"{self.path} was written by a newer hours (schema {version}); upgrade hours "
                    "(nothing was changed)"
                )
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")  # a journalled reply must survive a crash
            if version != SCHEMA_VERSION or objects != _OBJECTS:
                # One transaction: a crash leaves no journal with tables but no version.
                self.db.executescript(
                    f"BEGIN IMMEDIATE; {_SCHEMA} PRAGMA user_version={SCHEMA_VERSION}; COMMIT;"
                )
        except sqlite3.Error as e:
            raise self._problem(e, "open") from None
        with contextlib.suppress(OSError):
            os.chmod(self.path, 0o600)

    def _problem(self, e: sqlite3.Error, doing: str, exit_status: Exit = Exit.CONFIG) -> StateError:
        """Return the StateError for what SQLite said while `doing` (open, read, write)."""
        code = getattr(e, "sqlite_errorcode", 0) & 0xFF
        hint = ""
        if code == sqlite3.SQLITE_FULL:
            hint = "; free some space on its disk (nothing already sent is sent again)"
        elif code in (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM):
            hint = f"; {own_hint(self.path.parent)}"
        elif code in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT):
            hint = "; nothing was changed: move it aside, and hours starts a new journal"
        return StateError(
            f"cannot {doing} the journal {self.path}: {e}{hint}", exit_status=exit_status
        )

    def _run(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        """Execute one statement; a failure is a StateError (exit 4: the work is under way)."""
        try:
            return self.db.execute(sql, params)
        except sqlite3.Error as e:
            doing = "read" if sql.lstrip().upper().startswith("SELECT") else "write"
            raise self._problem(e, doing, Exit.PROVIDER) from None

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    # -- replies -------------------------------------------------------------------------

    def begin_reply(
        self, channel: str, kind: str, sender: str, item: str, period: dt.datetime, now: dt.datetime
    ) -> int:
        """Journal a reply about to be sent, durably, and return its id."""
        cur = self._run(
            "INSERT INTO replies (channel, kind, sender, item, period, status, created_at) "
            "VALUES (?, ?, ?, ?, ?, 'sending', ?)",
            (channel, kind, sender.lower(), item, utc_iso(period), utc_iso(now)),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def reply_sent(self, reply_id: int, now: dt.datetime) -> None:
        """Mark a journalled reply as taken by the provider."""
        self._run(
            "UPDATE replies SET status = 'sent', sent_at = ? WHERE id = ?", (utc_iso(now), reply_id)
        )

    def reply_failed(self, reply_id: int) -> None:
        """Forget a reply the provider refused, so the next sync tries again."""
        self._run("DELETE FROM replies WHERE id = ?", (reply_id,))

    def last_reply(
        self, channels: tuple[str, ...], sender: str
    ) -> tuple[dt.datetime, dt.datetime] | None:
        """Return (period, created_at) of the latest reply, emergency or cover reply to `sender`."""
        marks = ",".join("?" * len(channels))
        row = self._run(
            f"SELECT period, created_at FROM replies WHERE channel IN ({marks}) AND sender = ? "
            "AND kind IN ('reply', 'emergency', 'cover') ORDER BY created_at DESC, id DESC LIMIT 1",
            (*channels, sender.lower()),
        ).fetchone()
        if row is None:
            return None
        return dt.datetime.fromisoformat(row[0]), dt.datetime.fromisoformat(row[1])

    def replied_in_period(
        self, channels: tuple[str, ...], sender: str, period: dt.datetime, kind: str
    ) -> bool:
        """Tell whether `sender` already got a reply of `kind` in the closed period."""
        marks = ",".join("?" * len(channels))
        row = self._run(
            f"SELECT 1 FROM replies WHERE channel IN ({marks}) AND sender = ? AND period = ? "
            "AND kind = ?",
            (*channels, sender.lower(), utc_iso(period), kind),
        ).fetchone()
        return row is not None

    def journalled(self, channel: str, item: str, kind: str) -> bool:
        """Tell whether a reply of `kind` to this item was journalled (sent or being sent)."""
        row = self._run(
            "SELECT 1 FROM replies WHERE channel = ? AND item = ? AND kind = ?",
            (channel, item, kind),
        ).fetchone()
        return row is not None

    def replies_between(self, start: dt.datetime, end: dt.datetime) -> dict[str, int]:
        """Count the replies sent in [start, end), by channel."""
        return _sent_between(self.db, start, end)

    # -- items seen ----------------------------------------------------------------------

    def decided(self, channel: str, item: str) -> str | None:
        """Return what was decided about an item already, or None if it is new."""
        row = self._run(
            "SELECT decision FROM seen WHERE channel = ? AND item = ?", (channel, item)
        ).fetchone()
        return None if row is None else str(row[0])

    def decide(self, channel: str, item: str, decision: str, now: dt.datetime) -> None:
        """Record what was decided about an item, so it is never decided twice."""
        self._run(
            "INSERT OR REPLACE INTO seen (channel, item, decision, at) VALUES (?, ?, ?, ?)",
            (channel, item, decision, utc_iso(now)),
        )

    def undecide(self, channel: str, item: str) -> None:
        """Forget the decision about an item, so the next sync decides it again."""
        self._run("DELETE FROM seen WHERE channel = ? AND item = ?", (channel, item))

    # -- cursors and channels ------------------------------------------------------------

    def cursor(self, name: str) -> Any:
        """Return the JSON value of a cursor, or None."""
        row = self._run("SELECT value FROM cursors WHERE name = ?", (name,)).fetchone()
        return None if row is None else json.loads(row[0])

    def set_cursor(self, name: str, value: Any) -> None:
        """Store a cursor."""
        self._run(
            "INSERT OR REPLACE INTO cursors (name, value) VALUES (?, ?)", (name, json.dumps(value))
        )

    def channel(self, channel: str) -> ChannelRow:
        """Return what the journal knows of a channel."""
        row = self._run(
            "SELECT channel, last_sync, last_action, last_error, prior, applied FROM channels "
            "WHERE channel = ?",
            (channel,),
        ).fetchone()
        if row is None:
            return ChannelRow(channel, None, None, None, None, None)
        return ChannelRow(
            row[0],
            row[1],
            row[2],
            row[3],
            None if row[4] is None else json.loads(row[4]),
            None if row[5] is None else json.loads(row[5]),
        )

    def _upsert(self, channel: str, **values: Any) -> None:
        self._run("INSERT OR IGNORE INTO channels (channel) VALUES (?)", (channel,))
        for key, value in values.items():
            self._run(f"UPDATE channels SET {key} = ? WHERE channel = ?", (value, channel))

    def record_sync(self, channel: str, now: dt.datetime, action: str, error: str | None) -> None:
        """Record a channel's sync: when, what it did, and its error if any."""
        self._upsert(channel, last_sync=utc_iso(now), last_action=action, last_error=error)

    def set_prior(self, channel: str, prior: Any) -> None:
        """Record what the provider had before `install` (None forgets it)."""
        self._upsert(channel, prior=None if prior is None else json.dumps(prior))

    def set_applied(self, channel: str, applied: Any) -> None:
        """Record what sync last put at the provider."""
        self._upsert(channel, applied=None if applied is None else json.dumps(applied))


def count_replies(
    state_dir: Path,
    start: dt.datetime,
    end: dt.datetime,
    *,
    warn: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Count replies sent in [start, end) by channel, reading the journal without creating it.

    A journal a newer hours wrote is read all the same, after `warn` is told so (without
    `warn`, it is refused).
    """
    counts = dict.fromkeys(REPLY_CHANNELS, 0)
    with _reading(state_dir, "the auto-reply counts", warn) as db:
        if db is not None:
            counts.update(_sent_between(db, start, end))
    return counts


def answered_before(state_dir: Path, channels: tuple[str, ...], sender: str) -> bool:
    """Tell whether `sender` was ever sent a reply on `channels`, reading without creating."""
    with _reading(state_dir, "whether a sender was answered before", None) as db:
        if db is None:
            return False
        marks = ",".join("?" * len(channels))
        row = db.execute(
            f"SELECT 1 FROM replies WHERE channel IN ({marks}) AND sender = ? "
            "AND kind IN ('reply', 'emergency') LIMIT 1",
            (*channels, sender.lower()),
        ).fetchone()
        return row is not None


@contextlib.contextmanager
def _reading(
    state_dir: Path, what: str, warn: Callable[[str], None] | None
) -> Iterator[sqlite3.Connection | None]:
    """Open the journal read-only, without creating it; None when there is none or it is empty.

    A journal a newer hours wrote is read all the same, after `warn` is told that `what` may be
    wrong (without `warn`, it is refused).
    """
    path = state_dir / FILENAME
    if state_dir.exists() and not state_dir.is_dir():
        # No journal can be there, but a misplaced $HOURS_HOME should not pass for no replies.
        problem = f"the state directory {state_dir} is a file, so {what} cannot be read"
        if warn is None:
            raise StateError(f"{problem}; point $HOURS_HOME at a directory")
        warn(f"{problem} (none are counted); point $HOURS_HOME at a directory")
        yield None
        return
    if not path.exists():
        yield None
        return
    try:
        version, objects = _schema_of(path)
        if not objects:
            yield None  # an empty journal: nothing was ever sent
            return
        if version > SCHEMA_VERSION:
            newer = (
                f"the journal {path} was written by a newer hours (schema {version}); "
                f"{what} may be wrong: upgrade hours"
            )
            if warn is None:
                raise StateError(newer)
            warn(newer)
        db = sqlite3.connect(_read_only_uri(path), uri=True, timeout=5)
        try:
            yield db
        finally:
            db.close()
    except sqlite3.Error as e:
        raise StateError(f"cannot read the journal {path}: {e}") from None


def _read_only_uri(path: Path) -> str:
    """Return the URI that reads the database at `path` without creating anything beside it.

    A database in WAL mode without a -wal file (closed cleanly, nobody writing it) is read as
    immutable: opening it any other way would create its -wal and -shm.
    """
    with path.open("rb") as f:
        header = f.read(20)
    wal_mode = header[:16] == b"SQLite format 3\0" and header[18:20] == b"\x02\x02"
    immutable = wal_mode and not path.with_name(path.name + "-wal").exists()
    return f"{path.as_uri()}?mode=ro" + ("&immutable=1" if immutable else "")


def _schema_of(path: Path) -> tuple[int, frozenset[tuple[str, str]]]:
    """Return the journal's schema version and objects (0 and none when it is new or empty).

    Raises StateError when the file is not a journal of ours (and sqlite3.Error when it is not
    SQLite), having changed nothing.
    """
    try:
        found = os.stat(path)
    except FileNotFoundError:
        return 0, frozenset()
    except OSError as e:
        raise state_problem(path.parent, path, e) from None
    if not stat.S_ISREG(found.st_mode):
        raise StateError(
            f"the journal {path} is not a file; move it aside, and hours starts a new one"
        )
    try:
        uri = _read_only_uri(path)
    except OSError as e:
        raise state_problem(path.parent, path, e) from None
    db = sqlite3.connect(uri, uri=True, timeout=5)
    try:
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        rows = db.execute("SELECT type, name FROM sqlite_master").fetchall()
    finally:
        db.close()
    objects = frozenset(
        (str(t).upper(), str(n)) for t, n in rows if not str(n).startswith("sqlite_")
    )
    foreign = objects - _OBJECTS
    if foreign:
        names = ", ".join(sorted(f"{t.lower()} {n}" for t, n in foreign)[:5])
        raise StateError(
            f"{path} is not a journal of hours: it holds {names}; nothing was changed "
            "(move it aside, or point $HOURS_HOME elsewhere)"
        )
    if version < 0 or 0 < version < SCHEMA_VERSION:
        raise StateError(
            f"{path} has a journal schema ({version}) this hours does not know; nothing was "
            "changed (move it aside, and hours starts a new one)"
        )
    return version, objects


def _sent_between(db: sqlite3.Connection, start: dt.datetime, end: dt.datetime) -> dict[str, int]:
    # Forwards, alerts and handovers go to the practitioner or a cover: not auto-replies.
    rows = db.execute(
        "SELECT channel, COUNT(*) FROM replies WHERE status = 'sent' "
        "AND kind IN ('reply', 'emergency', 'cover') "
        "AND sent_at >= ? AND sent_at < ? GROUP BY channel",
        (utc_iso(start), utc_iso(end)),
    ).fetchall()
    return {str(channel): int(n) for channel, n in rows}


@contextlib.contextmanager
def sync_lock(state_dir: Path) -> Iterator[None]:
    """Hold the sync lock, or raise LockedError at once if another sync holds it."""
    make_state_dir(state_dir)
    path = state_dir / "sync.lock"
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except IsADirectoryError:
        raise StateError(
            f"the lock file {path} is a directory; remove it (`rmdir {path}`) and run again"
        ) from None
    except OSError as e:
        raise state_problem(state_dir, path, e) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockedError(
                f"another `hours autoreply sync` is running (it holds {path}); this one stops here"
            ) from None
        except OSError as e:
            raise state_problem(state_dir, path, e) from None
        with contextlib.suppress(OSError):  # the pid is for people; the lock is the flock
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)  # closing releases the lock, as does the process dying
