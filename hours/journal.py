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
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hours.errors import ConfigError, LockedError

FILENAME = "journal.sqlite3"
REPLY_CHANNELS = ("email", "sms", "voice", "whatsapp")  # what replies are counted by
SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS replies (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,          -- email, sms, voice, whatsapp
    kind TEXT NOT NULL,             -- reply, emergency, forward
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
    """The SQLite journal in the state directory."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / FILENAME
        try:
            state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")  # a journalled reply must survive a crash
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise ConfigError(
                    f"{self.path} was written by a newer hours (schema {version}); upgrade hours"
                )
            self.db.executescript(_SCHEMA)
            self.db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except sqlite3.Error as e:
            raise ConfigError(f"cannot open the journal {self.path}: {e}") from None
        with contextlib.suppress(OSError):
            os.chmod(self.path, 0o600)

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    # -- replies -------------------------------------------------------------------------

    def begin_reply(
        self, channel: str, kind: str, sender: str, item: str, period: dt.datetime, now: dt.datetime
    ) -> int:
        """Journal a reply about to be sent, durably, and return its id."""
        cur = self.db.execute(
            "INSERT INTO replies (channel, kind, sender, item, period, status, created_at) "
            "VALUES (?, ?, ?, ?, ?, 'sending', ?)",
            (channel, kind, sender.lower(), item, utc_iso(period), utc_iso(now)),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def reply_sent(self, reply_id: int, now: dt.datetime) -> None:
        """Mark a journalled reply as taken by the provider."""
        self.db.execute(
            "UPDATE replies SET status = 'sent', sent_at = ? WHERE id = ?", (utc_iso(now), reply_id)
        )

    def reply_failed(self, reply_id: int) -> None:
        """Forget a reply the provider refused, so the next sync tries again."""
        self.db.execute("DELETE FROM replies WHERE id = ?", (reply_id,))

    def last_reply(
        self, channels: tuple[str, ...], sender: str
    ) -> tuple[dt.datetime, dt.datetime] | None:
        """Return (period, created_at) of the latest reply or emergency reply to `sender`."""
        marks = ",".join("?" * len(channels))
        row = self.db.execute(
            f"SELECT period, created_at FROM replies WHERE channel IN ({marks}) AND sender = ? "
            "AND kind IN ('reply', 'emergency') ORDER BY created_at DESC, id DESC LIMIT 1",
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
        row = self.db.execute(
            f"SELECT 1 FROM replies WHERE channel IN ({marks}) AND sender = ? AND period = ? "
            "AND kind = ?",
            (*channels, sender.lower(), utc_iso(period), kind),
        ).fetchone()
        return row is not None

    def journalled(self, channel: str, item: str, kind: str) -> bool:
        """Tell whether a reply of `kind` to this item was journalled (sent or being sent)."""
        row = self.db.execute(
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
        row = self.db.execute(
            "SELECT decision FROM seen WHERE channel = ? AND item = ?", (channel, item)
        ).fetchone()
        return None if row is None else str(row[0])

    def decide(self, channel: str, item: str, decision: str, now: dt.datetime) -> None:
        """Record what was decided about an item, so it is never decided twice."""
        self.db.execute(
            "INSERT OR REPLACE INTO seen (channel, item, decision, at) VALUES (?, ?, ?, ?)",
            (channel, item, decision, utc_iso(now)),
        )

    def undecide(self, channel: str, item: str) -> None:
        """Forget the decision about an item, so the next sync decides it again."""
        self.db.execute("DELETE FROM seen WHERE channel = ? AND item = ?", (channel, item))

    # -- cursors and channels ------------------------------------------------------------

    def cursor(self, name: str) -> Any:
        """Return the JSON value of a cursor, or None."""
        row = self.db.execute("SELECT value FROM cursors WHERE name = ?", (name,)).fetchone()
        return None if row is None else json.loads(row[0])

    def set_cursor(self, name: str, value: Any) -> None:
        """Store a cursor."""
        self.db.execute(
            "INSERT OR REPLACE INTO cursors (name, value) VALUES (?, ?)", (name, json.dumps(value))
        )

    def channel(self, channel: str) -> ChannelRow:
        """Return what the journal knows of a channel."""
        row = self.db.execute(
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
        self.db.execute("INSERT OR IGNORE INTO channels (channel) VALUES (?)", (channel,))
        for key, value in values.items():
            self.db.execute(f"UPDATE channels SET {key} = ? WHERE channel = ?", (value, channel))

    def record_sync(self, channel: str, now: dt.datetime, action: str, error: str | None) -> None:
        """Record a channel's sync: when, what it did, and its error if any."""
        self._upsert(channel, last_sync=utc_iso(now), last_action=action, last_error=error)

    def set_prior(self, channel: str, prior: Any) -> None:
        """Record what the provider had before `install` (None forgets it)."""
        self._upsert(channel, prior=None if prior is None else json.dumps(prior))

    def set_applied(self, channel: str, applied: Any) -> None:
        """Record what sync last put at the provider."""
        self._upsert(channel, applied=None if applied is None else json.dumps(applied))


def count_replies(state_dir: Path, start: dt.datetime, end: dt.datetime) -> dict[str, int]:
    """Count replies sent in [start, end) by channel, reading the journal without creating it."""
    counts = dict.fromkeys(REPLY_CHANNELS, 0)
    path = state_dir / FILENAME
    if not path.exists():
        return counts
    try:
        db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=5)
        try:
            counts.update(_sent_between(db, start, end))
        finally:
            db.close()
    except sqlite3.Error as e:
        raise ConfigError(f"cannot read the journal {path}: {e}") from None
    return counts


def _sent_between(db: sqlite3.Connection, start: dt.datetime, end: dt.datetime) -> dict[str, int]:
    # A forward goes to the practitioner, not the sender: it is not an auto-reply.
    rows = db.execute(
        "SELECT channel, COUNT(*) FROM replies WHERE status = 'sent' AND kind != 'forward' "
        "AND sent_at >= ? AND sent_at < ? GROUP BY channel",
        (utc_iso(start), utc_iso(end)),
    ).fetchall()
    return {str(channel): int(n) for channel, n in rows}


@contextlib.contextmanager
def sync_lock(state_dir: Path) -> Iterator[None]:
    """Hold the sync lock, or raise LockedError at once if another sync holds it."""
    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = state_dir / "sync.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockedError(
                f"another `hours autoreply sync` is running (it holds {path}); this one stops here"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)  # closing releases the lock, as does the process dying
