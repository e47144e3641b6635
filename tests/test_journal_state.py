"""The state directory and the journal: every problem is one `Error:` line, nothing is changed.

A state directory another user owns (root, after one `sudo hours`), `HOURS_HOME` naming a file,
`sync.lock` a directory: exit 3. A journal `hours` does not know (another program's database,
a newer schema, not SQLite) is refused before anything in it or beside it changes.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from hours.errors import ConfigError
from hours.journal import FILENAME, Journal, answered_before, count_replies, sync_lock
from tests.helpers import run, snapshot, write_config
from tests.phone_helpers import NUMBER, at
from tests.servers.twilio_fake import TwilioFake


def as_unprivileged(*argv: str) -> subprocess.CompletedProcess[str]:
    """Run `hours ARGV` with file permissions enforced, even for root (DAC capabilities dropped)."""
    command = [sys.executable, "-m", "hours", *argv]
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("setpriv (util-linux) is needed to test permissions as root")
        command = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *command]
    return subprocess.run(command, capture_output=True, text=True, check=False, env=os.environ)


@pytest.fixture
def state() -> Path:
    """The state directory, with a config whose email channel nothing answers."""
    write_config(
        'timezone = "UTC"\n[week]\nmon = "09:00-17:00"\n[autoreply.email]\n'
        'address = "sam@example.com"\npassword_env = "HOURS_TEST_PASSWORD"\n'
        'imap = { host = "127.0.0.1", port = 9, security = "none" }\n'
        'smtp = { host = "127.0.0.1", port = 9, security = "none" }\n'
    )
    return Path(os.environ["HOURS_HOME"])


def own_hint(state: Path) -> str:
    return (
        f"check that you own {state} and the files in it (after a `sudo hours`: "
        f"`sudo chown -R $(id -un) {state}`)"
    )


# -- the state directory -------------------------------------------------------------------


def test_a_state_directory_left_by_sudo_is_one_error(state: Path) -> None:
    journal = Journal(state)  # as `sudo hours autoreply sync` leaves them: root's files
    journal.close()
    with sync_lock(state):
        pass
    before = snapshot(state)
    state.chmod(0o000)  # what another user's 0700 directory is to you
    try:
        proc = as_unprivileged("autoreply", "sync")
    finally:
        state.chmod(0o700)
    assert (proc.returncode, proc.stdout) == (3, "")
    assert proc.stderr == f"Error: {state}/sync.lock: permission denied; {own_hint(state)}\n"
    assert snapshot(state) == before


def test_a_journal_you_cannot_write_is_one_error(state: Path) -> None:
    journal = Journal(state)
    journal.close()
    with sync_lock(state):  # the lock file is there too, and it is yours: the lock works
        pass
    before = (state / FILENAME).read_bytes()
    state.chmod(0o500)  # the journal is there; its -wal and -shm cannot be made beside it
    try:
        proc = as_unprivileged("autoreply", "sync")
    finally:
        state.chmod(0o700)
    assert (proc.returncode, proc.stdout) == (3, "")
    assert proc.stderr == (
        f"Error: cannot open the journal {state}/{FILENAME}: attempt to write a readonly "
        f"database; {own_hint(state)}\n"
    )
    assert (state / FILENAME).read_bytes() == before
    assert sorted(p.name for p in state.iterdir()) == [FILENAME, "sync.lock"]


@pytest.mark.parametrize("argv", [["autoreply", "sync"], ["autoreply", "status"]])
def test_hours_home_naming_a_file(
    state: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str]
) -> None:
    home = tmp_path / "a-file"
    home.write_text("not a directory\n")
    monkeypatch.setenv("HOURS_HOME", str(home))
    result = run(*argv)
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr == (
        f"Error: the state directory {home} is a file; point $HOURS_HOME at a directory, or move "
        "the file aside\n"
    )
    assert home.read_text() == "not a directory\n"


def test_hours_home_below_a_file(
    state: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "a-file" / "state"
    home.parent.write_text("")
    monkeypatch.setenv("HOURS_HOME", str(home))
    result = run("autoreply", "sync")
    assert result.exit_code == 3
    assert result.stderr == (
        f"Error: the state directory {home} has a file in place of a directory above it; point "
        "$HOURS_HOME at a directory, or move the file aside\n"
    )


def test_cron_install_with_hours_home_naming_a_file(
    state: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "a-file"
    home.write_text("")
    monkeypatch.setenv("HOURS_HOME", str(home))
    monkeypatch.setenv("PATH", str(tmp_path))  # no crontab is touched: it is never reached
    result = run("cron", "install")
    assert result.exit_code == 3
    assert result.stderr == (
        f"Error: the state directory {home} is a file; point $HOURS_HOME at a directory, or move "
        "the file aside\n"
    )


def test_a_lock_file_that_is_a_directory(state: Path) -> None:
    lock = state / "sync.lock"
    lock.mkdir(parents=True)
    result = run("autoreply", "sync")
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr == (
        f"Error: the lock file {lock} is a directory; remove it (`rmdir {lock}`) and run again\n"
    )
    assert lock.is_dir()


# -- journals hours does not know -----------------------------------------------------------


def foreign(path: Path) -> str:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE notes (body TEXT)")
        db.execute("INSERT INTO notes VALUES ('mine')")
    db.close()
    return (
        f"{path} is not a journal of hours: it holds table notes; nothing was changed (move it "
        "aside, or point $HOURS_HOME elsewhere)"
    )


def foreign_wal(path: Path) -> str:
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE replies (x)")
    db.execute("CREATE TABLE photos (x)")
    db.commit()
    db.close()  # cleanly closed: no -wal or -shm beside it, and none may appear
    return (
        f"{path} is not a journal of hours: it holds table photos; nothing was changed (move it "
        "aside, or point $HOURS_HOME elsewhere)"
    )


def newer(path: Path) -> str:
    Journal(path.parent).close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 2")
    db.commit()
    db.close()
    return f"{path} was written by a newer hours (schema 2); upgrade hours (nothing was changed)"


def not_sqlite(path: Path) -> str:
    path.write_bytes(b"Dear Sam,\n" * 500)
    return (
        f"cannot open the journal {path}: file is not a database; nothing was changed: move it "
        "aside, and hours starts a new journal"
    )


def unknown_version(path: Path) -> str:
    Journal(path.parent).close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = -3")
    db.commit()
    db.close()
    return (
        f"{path} has a journal schema (-3) this hours does not know; nothing was changed (move "
        "it aside, and hours starts a new one)"
    )


UNKNOWN = [foreign, foreign_wal, newer, not_sqlite, unknown_version]


@pytest.mark.parametrize("make", UNKNOWN, ids=lambda f: f.__name__)
def test_an_unknown_journal_is_refused_before_anything_changes(state: Path, make: object) -> None:
    state.mkdir(parents=True)
    path = state / FILENAME
    assert callable(make)
    message = make(path)
    before = snapshot(state)
    assert before  # the journal is there to be refused
    with pytest.raises(ConfigError) as refused:
        Journal(state)
    assert refused.value.message == message
    assert refused.value.exit_status == 3
    assert snapshot(state) == before  # no table, no WAL switched on, no -wal or -shm made


@pytest.mark.parametrize("make", UNKNOWN, ids=lambda f: f.__name__)
def test_sync_on_an_unknown_journal_is_one_error(state: Path, make: object) -> None:
    state.mkdir(parents=True)
    assert callable(make)
    message = make(state / FILENAME)
    before = {name: data for name, data in snapshot(state).items() if "sync.lock" not in name}
    result = run("autoreply", "sync")
    assert (result.exit_code, result.stdout, result.stderr) == (3, "", f"Error: {message}\n")
    after = {name: data for name, data in snapshot(state).items() if "sync.lock" not in name}
    assert after == before


def test_a_journal_whose_creation_was_cut_short_is_completed(state: Path) -> None:
    """Our tables without a version (an older hours killed while creating it) are ours."""
    state.mkdir(parents=True)
    with sqlite3.connect(state / FILENAME) as db:
        db.execute("CREATE TABLE seen (channel TEXT, item TEXT, decision TEXT, at TEXT)")
    db.close()
    journal = Journal(state)
    try:
        assert journal.db.execute("PRAGMA user_version").fetchone() == (1,)
        tables = {r[0] for r in journal.db.execute("SELECT name FROM sqlite_master")}
        assert {"replies", "seen", "cursors", "channels"} <= tables
    finally:
        journal.close()


def test_report_on_a_newer_journal_warns_and_counts(state: Path) -> None:
    journal = Journal(state)
    rid = journal.begin_reply("sms", "reply", "+15559990001", "SM1", at(23, 17), at(23, 19))
    journal.reply_sent(rid, at(23, 19))
    journal.db.execute("PRAGMA user_version = 2")
    journal.close()
    before = snapshot(state)
    result = run("report", "--week", "2026-W48", "--format", "json")
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        f"Warning: the journal {state / FILENAME} was written by a newer hours (schema 2); the "
        "auto-reply counts may be wrong: upgrade hours\n"
    )
    assert json.loads(result.stdout)["autoreplies"]["sms"] == 1
    assert snapshot(state) == before


def test_counting_a_newer_journal_without_a_warning_is_refused(state: Path) -> None:
    state.mkdir(parents=True)
    newer(state / FILENAME)
    with pytest.raises(ConfigError, match=r"newer hours \(schema 2\)"):
        count_replies(state, at(23, 0), at(30, 0))


# -- a disk that fills during a sync ---------------------------------------------------------

# Runs inside a private mount namespace: a tmpfs of `size` bytes on MOUNT, the state copied onto
# it, the disk filled but for FREE bytes, then `hours ARGV...`; what is left on the disk is copied
# back into STATE, and the namespace (with its mount) goes away with the process.
ON_A_SMALL_DISK = """
import os, shutil, subprocess, sys
state, mount, free, argv = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", mount], check=True)
shutil.copytree(state, mount, dirs_exist_ok=True)
disk = os.statvfs(mount)
with open(os.path.join(mount, "filler"), "wb") as f:
    f.write(bytes(disk.f_bavail * disk.f_frsize - free))
env = dict(os.environ, HOURS_HOME=mount)
code = subprocess.run([sys.executable, "-m", "hours", *argv], env=env).returncode
os.unlink(os.path.join(mount, "filler"))
shutil.rmtree(state)
shutil.copytree(mount, state)
sys.exit(code)
"""


def on_a_small_disk(
    state: Path, mount: Path, free: int, *argv: str
) -> subprocess.CompletedProcess[str]:
    """Run `hours ARGV` with the state on a disk that has `free` bytes left."""
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("unshare (util-linux) is needed to mount a small disk")
    as_root = [] if os.geteuid() == 0 else ["--map-root-user"]
    mount.mkdir()
    probe = subprocess.run(
        [unshare, "--mount", *as_root, "mount", "-t", "tmpfs", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if probe.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs in a mount namespace here: {probe.stderr.decode()}")
    script = [sys.executable, "-c", ON_A_SMALL_DISK, str(state), str(mount), str(free), *argv]
    return subprocess.run(
        [unshare, "--mount", *as_root, *script],
        capture_output=True,
        text=True,
        check=False,
        env=os.environ,
    )


FREE = 96 * 1024  # the -shm takes 32 KiB, each reply a few 4 KiB pages of the -wal

SENDERS = [f"+1555999{n:04d}" for n in range(12)]


def test_a_disk_filling_mid_sync_is_exit_4_and_the_journal_stays_true(
    twilio: TwilioFake, tmp_path: Path
) -> None:
    state = Path(os.environ["HOURS_HOME"])
    assert run("autoreply", "sync", "--at", at(23, 18, 0).isoformat()).exit_code == 0
    for minute, sender in enumerate(SENDERS):
        twilio.receive(sender, NUMBER, "Can I book?", at(23, 19, minute))
    disk = tmp_path / "disk"

    proc = on_a_small_disk(
        state, disk, FREE, "autoreply", "sync", "--at", at(23, 19, 30).isoformat()
    )

    assert (proc.returncode, proc.stdout) == (4, "")
    assert proc.stderr == (
        f"Error: cannot write the journal {disk}/{FILENAME}: database or disk is full; free some "
        "space on its disk (nothing already sent is sent again)\n"
    )
    answered = [s for s in SENDERS if twilio.sent(s)]
    assert 0 < len(answered) < len(SENDERS)  # the disk filled mid-sync, after some replies
    with sqlite3.connect(state / FILENAME) as db:
        rows = dict(db.execute("SELECT sender, status FROM replies WHERE kind = 'reply'"))
    db.close()
    # Journalled before sent: every reply that went out is in the journal; none is marked sent
    # that did not go out.
    assert set(answered) <= set(rows)
    assert {s for s, status in rows.items() if status == "sent"} <= set(answered)

    result = run("autoreply", "sync", "--json", "--at", at(23, 19, 40).isoformat())  # space again

    assert result.exit_code == 0, result.output
    replies = [len(twilio.sent(s)) for s in SENDERS]
    assert max(replies) == 1  # nothing twice
    # Only the text decided when the disk filled, before its reply was journalled, may be left
    # unanswered: as after a crash right after deciding (the sender's next text gets a reply).
    unanswered = [s for s, n in zip(SENDERS, replies, strict=True) if n == 0]
    assert len(unanswered) <= 1
    sid_of = {m["from"]: m["sid"] for m in twilio.messages if m["direction"] == "inbound"}
    with sqlite3.connect(state / FILENAME) as db:
        for sender in unanswered:
            item = sid_of[sender]
            assert db.execute("SELECT decision FROM seen WHERE item = ?", (item,)).fetchall() == [
                ("reply",)
            ]
            assert db.execute("SELECT 1 FROM replies WHERE item = ?", (item,)).fetchall() == []
    db.close()


def test_counting_an_empty_journal_file_counts_nothing(state: Path) -> None:
    state.mkdir(parents=True)
    (state / FILENAME).write_bytes(b"")
    assert count_replies(state, at(23, 0), at(30, 0)) == dict.fromkeys(
        ("email", "sms", "voice", "whatsapp"), 0
    )
    assert (state / FILENAME).read_bytes() == b""


def test_report_with_a_file_for_the_state_directory_warns_and_counts_none(
    state: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "not-a-directory"
    home.write_text("notes\n")
    monkeypatch.setenv("HOURS_HOME", str(home))
    result = run("report", "--week", "2026-W48", "--format", "json")
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        f"Warning: the state directory {home} is a file, so the auto-reply counts cannot be "
        "read (none are counted); point $HOURS_HOME at a directory\n"
    )
    assert json.loads(result.stdout)["autoreplies"] == {
        "email": 0,
        "sms": 0,
        "voice": 0,
        "whatsapp": 0,
    }
    assert home.read_text() == "notes\n"


def test_asking_whether_a_sender_was_answered_with_a_file_for_the_state_directory_is_refused(
    tmp_path: Path,
) -> None:
    home = tmp_path / "not-a-directory"
    home.write_text("")
    with pytest.raises(ConfigError, match="is a file, so whether a sender was answered before"):
        answered_before(home, ("sms",), "+15550001111")
