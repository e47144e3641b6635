"""Secrets: from the environment, a command, or a 0600 secrets.toml, and never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from hours.config import secrets
from hours.config.autoreply import Secret
from hours.errors import ConfigError

SECRET = "Zq9!distinctive-s3cret"
LABEL = "[autoreply.email] password"


def test_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOURS_T_PW", SECRET)
    assert secrets.resolve(Secret(LABEL, env="HOURS_T_PW"), tmp_path) == SECRET
    monkeypatch.delenv("HOURS_T_PW")
    with pytest.raises(ConfigError) as e:
        secrets.resolve(Secret(LABEL, env="HOURS_T_PW"), tmp_path)
    assert e.value.message == (
        f"{LABEL}_env names $HOURS_T_PW, which is not set; export it where `hours` runs "
        "(cron has its own environment)"
    )


def test_from_a_command_stripped(tmp_path: Path) -> None:
    command = f"printf '  {SECRET}\\n\\n'"
    assert secrets.resolve(Secret(LABEL, command=command), tmp_path) == SECRET


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (f"echo {SECRET}; echo {SECRET} >&2; exit 3", f"{LABEL}_command failed (exit status 3)"),
        ("true", f"{LABEL}_command printed nothing"),
    ],
)
def test_a_failing_command_is_a_clear_error_without_its_output(
    tmp_path: Path, command: str, message: str
) -> None:
    with pytest.raises(ConfigError) as e:
        secrets.resolve(Secret(LABEL, command=command), tmp_path)
    assert e.value.message.startswith(message)
    assert SECRET not in e.value.message
    assert e.value.__context__ is None  # no chained output in a traceback either


def test_from_a_0600_secrets_file(tmp_path: Path) -> None:
    path = tmp_path / "secrets.toml"
    path.write_text(f'[email]\npassword = "{SECRET}"\n')
    path.chmod(0o600)
    secret = Secret(LABEL, file_key=("email", "password"))
    assert secrets.resolve(secret, tmp_path) == SECRET
    path.chmod(0o644)
    with pytest.raises(ConfigError) as e:
        secrets.resolve(secret, tmp_path)
    assert e.value.message == (
        f"{path} is readable by others; it must be mode 0600 (chmod 600 {path})"
    )
    path.write_text(f'[email]\npassword = "{SECRET}\n')  # unterminated: a TOML error
    path.chmod(0o600)
    with pytest.raises(ConfigError) as e:
        secrets.resolve(secret, tmp_path)
    assert e.value.message.startswith(f"cannot read {path}: ")
    assert SECRET not in e.value.message


def test_no_secret_anywhere_says_where_to_put_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as e:
        secrets.resolve(Secret(LABEL, file_key=("email", "password")), tmp_path)
    assert e.value.message == (
        f"no secret for {LABEL}: set password_env or password_command, or put [email] password "
        f"into {tmp_path / 'secrets.toml'} (mode 0600)"
    )
