"""What a build of some input ended in, judged the way a user would: clean diagnostics, or output
that imports, keeps its constants, type-checks and renders. Shared by the reproducer tests and the
fuzz campaign (tests/test_fuzz.py)."""

from __future__ import annotations

import datetime
import decimal
import enum
import importlib.util
import os
import re
import subprocess
import sys
import time
import traceback
import typing
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from markdown_it import MarkdownIt

from mappingc.build import BuildResult, compile_sources

_MARKDOWN = MarkdownIt("commonmark").enable("table")


@dataclass
class Outcome:
    kind: str  # "diagnostics" | "output" | "crash" | "bad output"
    detail: str = ""
    seconds: float = 0.0
    result: BuildResult | None = None


def build(sources: list[tuple[str, str]]) -> Outcome:
    """Compile in memory; a crash is an outcome too (with where it happened)."""
    started = time.perf_counter()
    try:
        result = compile_sources(sources)
    except Exception as error:
        frame = traceback.extract_tb(error.__traceback__)[-1]
        where = f"{Path(frame.filename).name}:{frame.lineno}"
        return Outcome("crash", f"{type(error).__name__}@{where}: {error}"[:300])
    seconds = time.perf_counter() - started
    if not result.ok:
        bad = [d for d in result.diagnostics if not d.message or not d.code]
        kind = "bad output" if bad else "diagnostics"
        return Outcome(kind, "", seconds, result)
    return Outcome("output", "", seconds, result)


def load(path: Path) -> ModuleType:
    name = f"outcome_{abs(hash(path))}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def problems_of(result: BuildResult, folder: Path) -> list[str]:
    """Write a successful build into `folder` and say what is wrong with it: a module that does
    not import, lost its constants or cannot map an empty row; Markdown that does not parse."""
    assert result.catalog is not None
    found: list[str] = []
    folder.mkdir(parents=True, exist_ok=True)
    templates = {t.name: t for t in result.catalog.templates}
    for name, text in result.files.items():
        if name.endswith(".md"):
            try:
                _MARKDOWN.parse(text)
            except Exception as error:
                found.append(f"{name}: Markdown does not parse: {error}")
        if not name.startswith("sync/"):
            continue
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                module = load(path)
        except Exception as error:
            found.append(f"{name}: does not import: {type(error).__name__}: {error}"[:300])
            continue
        found += [f"{name}: warns on import: {w.message}"[:300] for w in caught]
        template = templates.get(str(getattr(module, "TEMPLATE", None)))
        if template is None:
            found.append(f"{name}: TEMPLATE is {getattr(module, 'TEMPLATE', None)!r}"[:200])
            continue
        expected = {
            "FINANCE_OPERATIONS_ENTITY": template.finance_operations_entity,
            "DATAVERSE_TABLE": template.dataverse_table,
        }
        for constant, value in expected.items():
            if getattr(module, constant, None) != value:
                found.append(f"{name}: {constant} is {getattr(module, constant, None)!r}"[:200])
        try:
            module.to_dataverse({})
            module.to_finance_operations({})
            module.FinanceOperationsRow()
            module.DataverseRow()
        except Exception as error:
            found.append(f"{name}: cannot map an empty row: {type(error).__name__}: {error}")
            continue
        found += [f"{name}: {problem}"[:300] for problem in round_trip_problems(module, template)]
    return found


def _sample(annotation: object) -> object:
    """A value of a model field's type: the first member of an enum, else a plain one."""
    for kind in typing.get_args(annotation) or (annotation,):
        kind = typing.get_args(kind)[0] if typing.get_origin(kind) is typing.Annotated else kind
        if isinstance(kind, type) and issubclass(kind, enum.Enum):
            return next(iter(kind)).value
        samples = {
            str: "x",
            bool: True,
            int: 7,
            decimal.Decimal: decimal.Decimal("1.5"),
            datetime.datetime: datetime.datetime(2026, 1, 2, 3, 4, 5),
            datetime.date: datetime.date(2026, 1, 2),
        }
        if kind in samples:
            return samples[kind]
    return None


def round_trip_problems(module: ModuleType, template: Any) -> list[str]:
    """A successful build works on a row: the typed models accept what the row functions return
    (an FO row with a value in every field to Dataverse and back), and a field mapped `=` comes
    back as it went."""
    fo_model = module.FinanceOperationsRow
    sample = {
        (info.alias or attribute): _sample(info.annotation)
        for attribute, info in fo_model.model_fields.items()
    }
    try:
        fo_row = fo_model.model_validate(sample)
        dv_row = module.dataverse_row(fo_row)
        back = module.finance_operations_row(dv_row)
    except Exception as error:
        return [f"cannot map a sample row both ways: {type(error).__name__}: {error}"]
    went = fo_row.model_dump(by_alias=True)
    came = back.model_dump(by_alias=True)
    plain = {
        row.finance_operations
        for row in template.rows
        if row.map_type.value == "="
        and row.finance_operations is not None
        and row.dataverse is not None
        and not row.dataverse.is_lookup
    }
    return [
        f"`{field}` went to Dataverse as {went[field]!r} and came back as {came.get(field)!r}"
        for field in sorted(plain)
        if field in went and went[field] is not None and came.get(field) != went[field]
    ]


REPO = Path(__file__).resolve().parent.parent


def mypy_problems(folder: Path) -> list[str]:
    """`mypy --strict` over every module below `folder`, in one run (with mappingc.runtime from
    this checkout, as `make test` checks generated/)."""
    modules = sorted(str(p) for p in folder.rglob("*.py"))
    if not modules:
        return []
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--follow-imports=silent",
            "--explicit-package-bases",
            *modules,
        ],
        capture_output=True,
        text=True,
        cwd=folder,
        env={**os.environ, "MYPYPATH": str(REPO)},
    )
    if done.returncode == 0:
        return []
    return [line for line in done.stdout.splitlines() if ": error:" in line]


# ---------------------------------------------------------------- import-docs: no row lost
_MAP_TYPE_HEADER = re.compile(r"\|\s*map[\s_-]*type\s*\|", re.IGNORECASE)
_DELIMITER_LINE = re.compile(r"^[\s>|:-]+$")


def mapping_rows(text: str) -> list[int]:
    """Line numbers that a reader takes for rows of a dual-write mapping table: lines with two
    or more `|` below a `| Map type |` header in the same section (a heading starts one)."""
    found: list[int] = []
    under_header = False
    for number, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        line = re.sub(r"`[^`]*`", "", raw)  # prose that quotes a table in backticks is prose
        if line.lstrip().startswith("#"):
            under_header = False
        elif _MAP_TYPE_HEADER.search(f"|{line}|"):
            under_header = True
        elif under_header and line.count("|") >= 2 and not _DELIMITER_LINE.match(line):
            found.append(number)
    return found


def unaccounted_rows(path: str, text: str) -> list[int]:
    """Rows of `text` that import-docs neither imports (as a row or a commented row) nor names
    in a diagnostic: rows lost without a word."""
    from mappingc.interchange.published import read_drafts

    drafts, reader = read_drafts(path, text)
    imported = {row.line for draft in drafts for row in draft.rows}
    named: set[int] = set()
    for diagnostic in reader.diagnostics:
        named.update(range(diagnostic.span.line, diagnostic.span.end_line + 1))
    return [line for line in mapping_rows(text) if line not in imported | named]
