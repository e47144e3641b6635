"""Lay out what the commands add to the user's config as a person would: blank lines kept.

tomlkit keeps the comments and layout of what is there; these add new tables after it.
"""

from __future__ import annotations

from typing import Any


def ensure_table(doc: Any, key: str) -> Any:
    """Return the table `key` of the document, adding it at the end if it is not there."""
    import tomlkit

    if key not in doc:
        add_section(doc, key, tomlkit.table())
    return doc[key]


def add_section(doc: Any, key: str, value: Any) -> None:
    """Add a table or array of tables at the end, after a blank line, as a person would."""
    import tomlkit

    if doc.as_string().strip() and not doc.as_string().endswith("\n\n"):
        doc.add(tomlkit.nl())
    doc[key] = value


def append_tables(doc: Any, key: str, tables: list[Any]) -> None:
    """Append tables to the array of tables `key`, a blank line between each, as a person would."""
    import tomlkit

    if key not in doc:  # a new array: tomlkit puts the blank lines between its tables itself
        add_section(doc, key, tomlkit.aot())
        for t in tables:
            doc[key].append(t)
        return
    aot = doc[key]
    for t in tables:
        if len(aot) and not aot[-1].as_string().endswith("\n\n"):
            aot[-1].add(tomlkit.nl())
        aot.append(t)
    if list(doc.keys())[-1] != key and not aot[-1].as_string().endswith("\n\n"):
        aot[-1].add(tomlkit.nl())  # something follows the array: keep a blank line before it
