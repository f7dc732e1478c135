"""What the sync needs of one generated module, and the order templates are synced in."""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from mappingc.contract.manifest import FILE_NAME as MANIFEST
from mappingc.contract.manifest import Manifest, ManifestError, TemplateEntry
from mappingc.contract.module import GeneratedModule
from mappingc.output import MARKER
from mappingc.runtime import PolymorphicLookup
from mappingc.sides import COMPANY, Side

# A generated module's `accepts_from_*`: whether the source filter lets a row through.
Predicate = Callable[[Mapping[str, object]], bool]


class SyncSetupError(Exception):
    """The stores or templates cannot be used as configured; the message says why."""


@dataclass(frozen=True)
class TemplateSpec:
    """What the sync needs of one generated module."""

    module: GeneratedModule
    name: str
    fo_table: str
    dv_table: str
    fo_fields: Mapping[str, str]
    dv_columns: Mapping[str, str]
    fo_key: tuple[str, ...]
    dv_key: tuple[str, ...]
    lookup_paths: Mapping[str, tuple[tuple[str, ...], ...]]
    lookup_targets: Mapping[str, str]
    # A polymorphic lookup column's candidates, in the order tried: (table as written, key).
    polymorphic: Mapping[str, tuple[tuple[str, str], ...]]
    company: bool
    accepts_from_fo: Predicate = field(compare=False)
    accepts_from_dv: Predicate = field(compare=False)

    @classmethod
    def from_module(cls, module: GeneratedModule) -> TemplateSpec:
        name = str(module.TEMPLATE)
        if not module.INTEGRATION_KEY:
            raise SyncSetupError(
                f"template {name} has no integration key; the sync matches rows by it"
            )
        polymorphic = {
            row.dataverse.column: row.dataverse.targets
            for row in module.ROWS.rows
            if isinstance(row.dataverse, PolymorphicLookup)
        }
        # A key through a lookup (`key msdyn_company.cdm_companycode`) matches Dataverse rows by
        # the lookup column itself: the related row's id, which its key resolves to.
        dv_key = tuple(dict.fromkeys(key.split(".", 1)[0] for key in module.INTEGRATION_KEY))
        for column in dv_key:
            if column in polymorphic:
                raise SyncSetupError(
                    f"template {name}: the integration key goes through the polymorphic lookup "
                    f"{column}, which the sync cannot match rows by"
                )
            if module.DATAVERSE_COLUMNS.get(column) == "lookup" and (
                column not in module.LOOKUP_TARGETS
            ):
                raise SyncSetupError(
                    f"template {name}: the integration key goes through lookup {column}, which "
                    f"names no table: add `lookup {column} -> <table>`"
                )
        return cls(
            module=module,
            name=name,
            fo_table=str(module.FINANCE_OPERATIONS_ENTITY),
            dv_table=str(module.DATAVERSE_TABLE),
            fo_fields=dict(module.FINANCE_OPERATIONS_FIELDS),
            dv_columns=dict(module.DATAVERSE_COLUMNS),
            fo_key=tuple(module.FINANCE_OPERATIONS_KEY),
            dv_key=dv_key,
            lookup_paths=dict(module.LOOKUP_PATHS),
            lookup_targets=dict(module.LOOKUP_TARGETS),
            polymorphic=polymorphic,
            company=bool(module.COMPANY_SPECIFIC),
            accepts_from_fo=module.accepts_from_finance_operations,
            accepts_from_dv=module.accepts_from_dataverse,
        )

    def table_name(self, side: Side) -> str:
        return self.fo_table if side is Side.FINANCE_OPERATIONS else self.dv_table

    def columns(self, side: Side) -> Mapping[str, str]:
        return self.fo_fields if side is Side.FINANCE_OPERATIONS else self.dv_columns

    def key(self, side: Side) -> tuple[str, ...]:
        return self.fo_key if side is Side.FINANCE_OPERATIONS else self.dv_key

    def match(self, side: Side) -> tuple[str, ...]:
        """The columns rows of `side` are matched by: the key, and the company if scoped."""
        return (*self.key(side), COMPANY[side]) if self.company else self.key(side)

    @functools.cached_property
    def keyed_lookups(self) -> tuple[str, ...]:
        """The lookup columns the integration key goes through (asked once per change)."""
        return tuple(c for c in self.dv_key if self.dv_columns.get(c) == "lookup")

    def related_tables(self, tables: Iterable[str]) -> set[str]:
        """The Dataverse tables, of `tables`, that this template's lookups point at."""
        found = set(self.lookup_targets.values())
        for candidates in self.polymorphic.values():
            found.update(t for name, _ in candidates if (t := candidate_table(name, tables)))
        return found

    def to_other_side(self, side: Side, row: Mapping[str, object]) -> dict[str, object]:
        """The generated mapping function from `side` towards the other one."""
        mapped: dict[str, object] = (
            self.module.to_dataverse(row)
            if side is Side.FINANCE_OPERATIONS
            else self.module.to_finance_operations(row)
        )
        return mapped


def type_column(column: str) -> str:
    """The column that says which table a polymorphic lookup's row id is in, as Dataverse
    keeps it beside the lookup (`customerid` and `customeridtype`)."""
    return f"{column}type"


def candidate_table(name: str, tables: Iterable[str]) -> str | None:
    """The table of `tables` that a polymorphic lookup's candidate names: the candidate is the
    table's logical name as written (`Account`), a table is named as its template names it
    (`account`, or the entity set `accounts`)."""
    lowered = name.lower()
    written = [lowered, f"{lowered}s", f"{lowered}es"]
    if lowered.endswith("y"):
        written.append(f"{lowered[:-1]}ies")
    by_name = {table.lower(): table for table in sorted(tables)}
    return next((by_name[w] for w in written if w in by_name), None)


def load_templates(out_dir: Path, skipped: dict[str, str] | None = None) -> list[TemplateSpec]:
    """Every template of a build that the sync can run, from its manifest.json and generated
    modules. A template it cannot run (no integration key yet, as imported ones) is left out,
    with the reason in `skipped` when given."""
    try:
        manifest = Manifest.read(out_dir)
    except ManifestError as error:
        raise SyncSetupError(str(error)) from None
    specs = []
    for entry in manifest.templates:
        module = load_module(built_module(out_dir, entry), entry.name)
        try:
            specs.append(TemplateSpec.from_module(module))
        except SyncSetupError as error:
            if skipped is None:
                continue
            skipped[entry.name] = str(error)
    return specs


def load_module(path: Path, name: str) -> GeneratedModule:
    """Import the generated module at `path` (one that `built_module` vouched for)."""
    module_name = f"mappingc_generated_{name}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise SyncSetupError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return cast(GeneratedModule, module)  # mypy holds generated modules to it (make test)


def built_module(out_dir: Path, entry: TemplateEntry) -> Path:
    """The module a manifest entry names, if the build that wrote the manifest wrote it: a
    manifest is data, and the sync must not run whatever Python file it points at."""
    name, module = entry.name, entry.module
    folder = out_dir.resolve()
    path = (out_dir / module).resolve()
    if not path.is_relative_to(folder) or Path(module).is_absolute():
        raise SyncSetupError(
            f"{out_dir}/{MANIFEST}: {name}'s module {module} is outside the build folder"
        )
    if not (folder / MARKER).is_file():
        raise SyncSetupError(
            f"{out_dir} was not written by mappingc build (no {MARKER}): rebuild it"
        )
    found = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
    if found != entry.module_sha256:
        raise SyncSetupError(
            f"{path} is not the module the build wrote (changed since, or missing): run "
            "`mappingc build` again"
        )
    return path


def ordered_templates(specs: Iterable[TemplateSpec]) -> list[TemplateSpec]:
    """Templates with the tables their lookups point at first; a cycle is an error naming it."""
    specs = sorted(specs, key=lambda s: s.name)
    by_table: dict[str, list[TemplateSpec]] = {}
    for spec in specs:
        by_table.setdefault(spec.dv_table, []).append(spec)
    needs = {
        s.name: {
            d.name
            for t in s.related_tables(by_table)
            for d in by_table.get(t, [])
            if d.name != s.name
        }
        for s in specs
    }
    done: list[TemplateSpec] = []
    placed: set[str] = set()
    while len(done) < len(specs):
        ready = [s for s in specs if s.name not in placed and needs[s.name] <= placed]
        if not ready:
            cycle = _cycle({n: d - placed for n, d in needs.items() if n not in placed})
            raise SyncSetupError(f"lookups form a cycle: {' → '.join(cycle)}")
        done.append(ready[0])
        placed.add(ready[0].name)
    return done


def _cycle(needs: Mapping[str, set[str]]) -> list[str]:
    start = sorted(needs)[0]
    path = [start]
    while True:
        following = sorted(needs[path[-1]])[0]
        if following in path:
            return [*path[path.index(following) :], following]
        path.append(following)
