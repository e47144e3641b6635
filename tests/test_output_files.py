"""`-o FILE` never replaces what is at the path: devices and pipes are written through, a
symlink's target is replaced atomically, and what cannot hold a report is refused."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
from pathlib import Path

import pytest

from hours.files import write_atomic
from tests.helpers import run, write_config

CONFIG = 'timezone = "UTC"\n[week]\nmon = "09:00-17:00"\n'
REPORT = ["report", "--week", "2026-W48", "--format", "json"]


@pytest.fixture(autouse=True)
def config() -> None:
    write_config(CONFIG)


def device(tmp_path: Path, name: str, major: int, minor: int, kind: int = stat.S_IFCHR) -> Path:
    """Return a device node to write to: a private copy as root, so a failure harms nothing.

    As any other user the real node in /dev is used: renaming over it is refused there anyway.
    """
    if os.geteuid() != 0:
        if kind != stat.S_IFCHR:
            pytest.skip("making a block device node needs root")
        return Path("/dev") / name
    node = tmp_path / name
    try:
        os.mknod(node, kind | 0o666, os.makedev(major, minor))
    except PermissionError:
        pytest.skip("this machine does not allow making device nodes")
    return node


def leftovers(directory: Path) -> list[str]:
    """Return the temporary files a write left behind in `directory`."""
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_dev_null_is_written_through_and_stays_a_device(tmp_path: Path) -> None:
    null = device(tmp_path, "null", 1, 3)
    result = run(*REPORT, "-o", str(null))
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", f"Wrote {null}\n")
    assert stat.S_ISCHR(null.stat().st_mode)
    assert leftovers(null.parent) == []


def test_dev_full_is_one_clean_error_and_stays_a_device(tmp_path: Path) -> None:
    full = device(tmp_path, "full", 1, 7)
    result = run(*REPORT, "-o", str(full))
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: cannot write {full}: No space left on device; nothing was written\n"
    )
    assert stat.S_ISCHR(full.stat().st_mode)
    assert leftovers(full.parent) == []


def test_a_named_pipe_is_written_through_to_its_reader(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    try:
        result = run(*REPORT, "-o", str(fifo))
        out, _ = reader.communicate(timeout=10)
    finally:
        if reader.poll() is None:
            reader.kill()
            reader.wait()
    assert result.exit_code == 0, result.output
    assert json.loads(out)["week"] == "2026-W48"
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert leftovers(tmp_path) == []


def test_a_symlinks_target_is_replaced_and_the_link_kept(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    target = reports / "week.json"
    target.write_text("old\n")
    link = tmp_path / "week.json"
    link.symlink_to(Path("reports") / "week.json")  # relative, as `ln -s` usually makes them
    result = run(*REPORT, "-o", str(link))
    assert result.exit_code == 0, result.output
    assert link.is_symlink()
    assert os.readlink(link) == "reports/week.json"
    assert json.loads(target.read_text())["week"] == "2026-W48"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert leftovers(tmp_path) == leftovers(reports) == []


def test_a_dangling_symlink_gets_its_target_made(tmp_path: Path) -> None:
    link = tmp_path / "week.json"
    link.symlink_to(tmp_path / "published.json")
    result = run(*REPORT, "-o", str(link))
    assert result.exit_code == 0, result.output
    assert link.is_symlink()
    assert json.loads((tmp_path / "published.json").read_text())["week"] == "2026-W48"


def test_a_symlink_chain_replaces_only_the_last_target(tmp_path: Path) -> None:
    target = tmp_path / "final.json"
    target.write_text("old\n")
    middle = tmp_path / "middle.json"
    middle.symlink_to(target)
    link = tmp_path / "week.json"
    link.symlink_to(middle)
    assert run(*REPORT, "-o", str(link)).exit_code == 0
    assert link.is_symlink()
    assert middle.is_symlink()
    assert json.loads(target.read_text())["week"] == "2026-W48"


def test_a_socket_is_refused_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "sock"
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(path))
        result = run(*REPORT, "-o", str(path))
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: cannot write {path}: it is a socket, not a file; nothing was written\n"
    )
    assert stat.S_ISSOCK(path.stat().st_mode)


def test_a_block_device_is_refused_and_kept(tmp_path: Path) -> None:
    disk = device(tmp_path, "loop0", 7, 0, stat.S_IFBLK)
    result = run(*REPORT, "-o", str(disk))
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: cannot write {disk}: it is a block device, not a file; nothing was written\n"
    )
    assert stat.S_ISBLK(disk.stat().st_mode)


def test_the_config_behind_a_symlink_stays_linked_when_edited(tmp_path: Path) -> None:
    """A config kept in a dotfiles checkout and linked into place stays linked after `set`."""
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    real = dotfiles / "hours.toml"
    real.write_text(CONFIG)
    real.chmod(0o600)
    config = Path(os.environ["HOURS_CONFIG"])
    config.unlink()
    config.symlink_to(real)
    assert run("set", "tue", "10-16").exit_code == 0
    assert config.is_symlink()
    assert 'tue = "10:00-16:00"' in real.read_text()


def test_write_atomic_onto_a_device_keeps_its_mode(tmp_path: Path) -> None:
    null = device(tmp_path, "null", 1, 3)
    before = stat.S_IMODE(null.stat().st_mode)
    write_atomic(null, "anything", mode=0o600, through=True)
    assert stat.S_ISCHR(null.stat().st_mode)
    assert stat.S_IMODE(null.stat().st_mode) == before


def test_a_pipe_where_a_state_file_belongs_is_refused_not_waited_on(tmp_path: Path) -> None:
    """Without `through` (the config, the holiday cache) nothing but a file is written."""
    fifo = tmp_path / "holidays.json"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="it is a named pipe, not a file") as refused:
        write_atomic(fifo, "{}")
    assert refused.value.filename == str(fifo)
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_a_config_that_is_dev_null_is_not_written_through(tmp_path: Path) -> None:
    null = device(tmp_path, "null", 1, 3)
    with pytest.raises(OSError, match="it is a character device, not a file"):
        write_atomic(null, "timezone = 'UTC'\n")
    assert stat.S_ISCHR(null.stat().st_mode)
