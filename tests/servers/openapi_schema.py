"""OpenAPI 3.0 schemas checked with `jsonschema`: a body's violations of a provider's description.

OpenAPI 3.0 schemas are almost JSON Schema; what differs is converted here, each rule saying why:
- `nullable: true` beside a type becomes a type that also allows null;
- a branch `{"type": "object", "nullable": true}` (nothing else) of an `anyOf` beside a `$ref`
  is how Microsoft's description generator writes "or null"; taken literally it would accept
  any object at all, so it becomes `{"type": "null"}`;
- `#/components/schemas/NAME` references point into `$defs`;
- `format: int64` (Google's 64-bit integers, sent as decimal strings) is checked as such, and
  no other format is (see FORMATS);
- `strict`: an object schema with properties refuses other properties, as both Google's and
  Microsoft's APIs refuse a property they do not know ("Unknown name", "Could not find a property
  named") though OpenAPI cannot say so without `additionalProperties: false`; `annotations`
  is a pattern of property names allowed anyway (Graph's `@odata.*` annotations);
- `optional_in_request`: properties a description's generator marks required though the API does
  not require them in a request (Graph's `@odata.type`).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError

PREFIX = "#/components/schemas/"
_INT64 = re.compile(r"^-?[0-9]+$")
# Only the formats chosen here: JSON Schema's own `time` is RFC 3339's full-time, with an
# offset, which Graph's `time` (a wall-clock time, its pattern given beside it) is not.
FORMATS = jsonschema.FormatChecker(formats=())


@FORMATS.checks("int64")
def _int64(value: object) -> bool:
    """Accept a 64-bit integer, or its decimal string (non-strings are the `type`'s business)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return True
    if isinstance(value, str) and not _INT64.match(value):
        return False
    return -(2**63) <= int(value) < 2**63


def _is_null_branch(node: Any) -> bool:
    if not isinstance(node, dict) or not node.get("nullable"):
        return False
    return {k for k in node if k != "description"} == {"type", "nullable"} and (
        node["type"] == "object"
    )


def convert(
    node: Any,
    *,
    strict: bool,
    annotations: str | None = None,
    optional_in_request: frozenset[str] = frozenset(),
) -> Any:
    """Return an OpenAPI 3.0 schema as a JSON Schema (2020-12), by the rules above."""

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        out = {key: walk(value) for key, value in node.items()}
        ref = out.get("$ref")
        if isinstance(ref, str) and ref.startswith(PREFIX):
            out["$ref"] = "#/$defs/" + ref[len(PREFIX) :]
        for key in ("anyOf", "oneOf"):
            if key in node:
                out[key] = [
                    {"type": "null"} if _is_null_branch(branch) else walk(branch)
                    for branch in node[key]
                ]
        if out.pop("nullable", False):
            if "type" in out:
                types = out["type"] if isinstance(out["type"], list) else [out["type"]]
                out["type"] = [*types, "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        if "required" in out:
            out["required"] = [name for name in out["required"] if name not in optional_in_request]
        if strict and "properties" in out:
            if "allOf" in out:
                raise ValueError("strict checking cannot close an allOf composition")
            out.setdefault("additionalProperties", False)
            if annotations:
                out.setdefault("patternProperties", {annotations: {}})
        return out

    return walk(node)


class Contract:
    """A request body's check against one schema of a provider's description."""

    def __init__(
        self,
        schemas: Mapping[str, Any],
        root: str,
        *,
        strict: bool,
        annotations: str | None = None,
        optional_in_request: frozenset[str] = frozenset(),
        tightened: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        """Check bodies against `schemas[root]`.

        `tightened` adds rules to named schemas (merged into their converted form): rules the
        description's own prose or the provider's behaviour gives, which its schema does not
        carry; each caller says why.
        """
        defs = {
            name: convert(
                schema,
                strict=strict,
                annotations=annotations,
                optional_in_request=optional_in_request,
            )
            for name, schema in schemas.items()
        }
        for name, extra in (tightened or {}).items():
            defs[name] = _merge(defs[name], extra)
        self.root = root
        self.schema = {"$ref": f"#/$defs/{root}", "$defs": defs}
        jsonschema.Draft202012Validator.check_schema(self.schema)
        self.validator = jsonschema.Draft202012Validator(self.schema, format_checker=FORMATS)

    def violations(self, body: Any) -> list[str]:
        """Return what is wrong with `body`, one line each, empty when it is in the contract."""
        return [_describe(e) for e in sorted(self.validator.iter_errors(body), key=_where)]


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _where(error: ValidationError) -> str:
    return "/".join(str(part) for part in error.absolute_path)


def _leaves(error: ValidationError) -> list[ValidationError]:
    if not error.context:
        return [error]
    return [leaf for inner in error.context for leaf in _leaves(inner)]


def _describe(error: ValidationError) -> str:
    """Say where and what; for an anyOf, the complaint of the branch that got furthest in.

    (jsonschema's `best_match` prefers the shallowest complaint, which for Graph's "a $ref or
    null" is always the useless "is not of type 'null'".)
    """
    detail = max(_leaves(error), key=lambda e: (len(e.absolute_path), e.validator != "type"))
    return f"{_where(detail) or '(body)'}: {detail.message}"
