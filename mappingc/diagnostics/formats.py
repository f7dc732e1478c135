"""Diagnostics for people and for tools: text (with the source line and a caret), JSON Lines,
SARIF 2.1.0 (code-scanning) and GitHub Actions workflow commands (annotations)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from importlib import metadata

from mappingc.diagnostics import Diagnostic, render
from mappingc.diagnostics.codes import Code, Severity

FORMATS = ("text", "json", "sarif", "github")


def _record(diagnostic: Diagnostic) -> dict[str, object]:
    span = diagnostic.span
    return {
        "path": diagnostic.path,
        "line": span.line,
        "column": span.column,
        "end_line": span.end_line,
        "end_column": span.end_column,
        "severity": diagnostic.severity.value,
        "code": diagnostic.code.value,
        "message": diagnostic.message,
        "hint": diagnostic.hint,
    }


def as_text(diagnostics: Sequence[Diagnostic], sources: Mapping[str, str]) -> str:
    return "\n".join(render(d, sources.get(d.path)) for d in diagnostics)


def as_json(diagnostics: Sequence[Diagnostic]) -> str:
    """One JSON object per line."""
    return "\n".join(json.dumps(_record(d), ensure_ascii=False) for d in diagnostics)


def _escape_data(text: str) -> str:
    # Workflow commands end at a line break; `%` escapes the characters that would end one.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


_ANNOTATION = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}


def as_github(diagnostics: Sequence[Diagnostic]) -> str:
    """`::error file=…,line=…::message` lines, which GitHub Actions shows as annotations."""
    lines = []
    for d in diagnostics:
        span = d.span
        properties = ",".join(
            f"{key}={_escape_property(str(value))}"
            for key, value in (
                ("file", d.path),
                ("line", span.line),
                ("col", span.column),
                ("endLine", span.end_line),
                ("endColumn", span.end_column),
                ("title", f"{d.code.value} {d.code.heading}"),
            )
        )
        text = d.message + (f" (hint: {d.hint})" if d.hint else "")
        kind = _ANNOTATION[d.severity]
        lines.append(f"::{kind} {properties}::{_escape_data(text)}")
    return "\n".join(lines)


def as_sarif(diagnostics: Sequence[Diagnostic]) -> str:
    """A SARIF 2.1.0 log: every rule of the registry, and one result per diagnostic."""
    rules = [
        {
            "id": code.value,
            "name": code.name.title().replace("_", ""),
            "shortDescription": {"text": code.heading},
            "fullDescription": {"text": code.summary},
            "help": {"text": f"{code.explanation}\n\n(mappingc explain {code.value})"},
            "defaultConfiguration": {
                "level": code.severity.value  # SARIF's levels are error, warning and note
            },
        }
        for code in Code
    ]
    index = {code.value: n for n, code in enumerate(Code)}
    results = [
        {
            "ruleId": d.code.value,
            "ruleIndex": index[d.code.value],
            "level": d.severity.value,
            "message": {"text": d.message + (f" Hint: {d.hint}" if d.hint else "")},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": d.path},
                        "region": {
                            "startLine": d.span.line,
                            "startColumn": d.span.column,
                            "endLine": d.span.end_line,
                            "endColumn": d.span.end_column,
                        },
                    }
                }
            ],
        }
        for d in diagnostics
    ]
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "mappingc",
                        "version": metadata.version("mappingc"),
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False)


def to_record(diagnostic: Diagnostic) -> dict[str, object]:
    """A diagnostic as plain data (the build cache keeps them so)."""
    return _record(diagnostic)


def from_record(record: Mapping[str, object]) -> Diagnostic:
    from mappingc.diagnostics import Span

    found = Code.lookup(str(record["code"]))
    assert found is not None
    return Diagnostic(
        str(record["path"]),
        Span(*(int(record[k]) for k in ("line", "column", "end_line", "end_column"))),  # type: ignore[call-overload]
        Severity(str(record["severity"])),
        found,
        str(record["message"]),
        None if record.get("hint") is None else str(record["hint"]),
    )
