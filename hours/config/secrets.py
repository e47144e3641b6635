"""Read secrets from the environment, a command, or a 0600 secrets.toml — and never show them."""

from __future__ import annotations

import os
import stat
import subprocess
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

from hours.clients.net import hide
from hours.config.autoreply import Secret
from hours.errors import ConfigError

if TYPE_CHECKING:
    from hours.clients.net import Deadline

SECRETS_FILE = "secrets.toml"
# The longest a `*_command` may run (within what is left of the run's deadline, if it has one).
COMMAND_WAIT = 60.0


def resolve(secret: Secret, config_dir: Path, deadline: Deadline | None = None) -> str:
    """Return the secret's value, or raise ConfigError saying where it was looked for.

    A `*_command` runs for at most COMMAND_WAIT seconds, and never past `deadline`.
    """
    if secret.env:
        value = os.environ.get(secret.env)
        if not value:
            raise ConfigError(
                f"{secret.label}_env names ${secret.env}, which is not set; export it where "
                "`hours` runs (cron has its own environment)"
            )
    elif secret.command:
        wait = COMMAND_WAIT
        if deadline is not None:
            wait = deadline.timeout(COMMAND_WAIT, f"running {secret.label}_command")
        value = _run(secret, wait)
    else:
        value = _from_file(secret, config_dir / SECRETS_FILE)
    hide(value)  # from here on, no message of this process holds it, in any form
    return value


def _run(secret: Secret, wait: float) -> str:
    assert secret.command is not None
    try:
        proc = subprocess.run(
            secret.command, shell=True, capture_output=True, text=True, timeout=wait, check=False
        )
    except subprocess.TimeoutExpired:
        raise ConfigError(f"{secret.label}_command did not finish in {wait:g} seconds") from None
    value = proc.stdout.strip()
    if proc.returncode != 0:
        raise ConfigError(
            f"{secret.label}_command failed (exit status {proc.returncode}); run it yourself to see why"
        )
    if not value:
        raise ConfigError(f"{secret.label}_command printed nothing")
    return value


def _from_file(secret: Secret, path: Path) -> str:
    table, key = secret.file_key
    where = f"[{table}] {key} in {path}"
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise ConfigError(
            f"no secret for {secret.label}: set {secret.label.split()[-1]}_env or "
            f"{secret.label.split()[-1]}_command, or put {where.replace(' in ', ' into ')} (mode 0600)"
        ) from None
    if stat.S_IMODE(mode) & 0o077:
        raise ConfigError(f"{path} is readable by others; it must be mode 0600 (chmod 600 {path})")
    try:
        data = tomllib.loads(path.read_bytes().decode())
    except UnicodeDecodeError:
        raise ConfigError(f"cannot read {path}: it is not UTF-8 text") from None
    except RecursionError:
        raise ConfigError(f"cannot read {path}: arrays or tables nested too deep") from None
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"cannot read {path}: {e}") from None
    value = data.get(table, {}).get(key) if isinstance(data.get(table), dict) else None
    if not isinstance(value, str) or not value:
        raise ConfigError(f"no {where}")
    return value


def store(config_dir: Path, table: str, key: str, value: str) -> Path:
    """Put a secret into secrets.toml beside the config (mode 0600), its other secrets kept."""
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    from hours.files import write_atomic

    path = config_dir / SECRETS_FILE
    try:
        doc = tomlkit.parse(path.read_text()) if path.exists() else tomlkit.document()
    except (OSError, UnicodeDecodeError, TOMLKitError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else "not valid TOML"
        raise ConfigError(f"cannot read {path}: {reason}; mend it or move it aside") from None
    if table not in doc:
        doc[table] = tomlkit.table()
    section = doc[table]
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: [{table}] is not a table; mend it or move the file aside")
    section[key] = value
    try:
        write_atomic(path, tomlkit.dumps(doc), mode=0o600)
    except OSError as e:
        raise ConfigError(f"cannot write {path}: {e.strerror or e}") from None
    return path
