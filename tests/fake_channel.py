"""A channel behind the engine's Protocol, for CLI tests of sync, install and doctor.

The real channels are tested against real servers elsewhere; this one lets the command layer be
tested alone (llm's MockModel plays the same part).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from hours.autoreply import ChannelResult, Check, SyncRun
from hours.errors import ConfigError, ProviderError


class FakeChannel:
    """Records calls; fails when told to."""

    calls: ClassVar[list[str]] = []
    fail: ClassVar[str | None] = None
    unreadable_secret: ClassVar[str | None] = None  # this channel's secret cannot be read

    def __init__(self, settings: Any, config_dir: Path) -> None:
        self.name = "email" if hasattr(settings, "address") else "phone"
        self.mode = settings.mode

    def sync(self, run: SyncRun) -> ChannelResult:
        self.calls.append(f"sync {self.name} {run.now.isoformat()} dry={run.dry_run}")
        if self.unreadable_secret == self.name:
            raise ConfigError(f"[autoreply.{self.name}] password_command failed (exit status 1)")
        if self.fail == self.name:
            raise ProviderError(f"{self.name} server said no")
        result = ChannelResult(self.name, self.mode, "polled", replied=1)
        result.skipped["vip"] += 2
        return result

    def install(self, run: SyncRun) -> str:
        self.calls.append(f"install {self.name}")
        run.journal.set_prior(self.name, {"was": "nothing"})
        return "recorded the provider's settings"

    def uninstall(self, run: SyncRun) -> str:
        self.calls.append(f"uninstall {self.name}")
        run.journal.set_prior(self.name, None)
        return "put back what was there"

    def checks(self, run: SyncRun) -> list[Check]:
        return [Check(f"{self.name} server", self.fail != self.name, "reachable, logged in")]
