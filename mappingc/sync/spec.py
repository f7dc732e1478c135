"""What the sync needs of one generated module, and the order templates are synced in."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from mappingc.output import MARKER
from mappingc.sides import COMPANY, Side

# A generated module's `accepts_from_*`: whether the source filter lets a row through.
Predicate = Callable[[Mapping[str, object]], bool]


class SyncSetupError(Exception):
    """The stores or templates cannot be used as configured; the message says why."""


@dataclass(frozen=True)
class TemplateSpec:
    """What the sync needs of one generated module."""

    module: ModuleType
    name: str
    fo_table: str
    dv_table: str
    fo_fields: Mapping[str, str]
    dv_columns: Mapping[str, str]
    fo_key: tuple[str, ...]
    dv_key: tuple[str, ...]
    lookup_paths: Mapping[str, tuple[tuple[str, ...], ...]]
    lookup_targets: Mapping[str, str]
    company: bool
    accepts_from_fo: Predicate = field(compare=False)
    accepts_from_dv: Predicate = field(compare=False)

    @classmethod
    def from_module(cls, module: ModuleType) -> TemplateSpec:
        name = str(module.TEMPLATE)
        if not module.INTEGRATION_KEY:
            raise SyncSetupError(
                f"template {name} has no integration key; the sync matches rows by it"
            )
        if any("." in key for key in module.INTEGRATION_KEY):
            raise SyncSetupError(
                f"template {name}: integration keys through lookups are not supported yet"
            )
        polymorphic = [
            c
            for c, k in module.DATAVERSE_COLUMNS.items()
            if k == "lookup" and c not in module.LOOKUP_PATHS
        ]
        if polymorphic:
            raise SyncSetupError(
                f"template {name}: polymorphic lookups ({', '.join(polymorphic)}) "
                "are not supported by the sync yet"
            )
        return cls(
            module=module,
            name=name,
            fo_table=str(module.FINANCE_OPERATIONS_ENTITY),
            dv_table=str(module.DATAVERSE_TABLE),
            fo_fields=dict(module.FINANCE_OPERATIONS_FIELDS),
            dv_columns=dict(module.DATAVERSE_COLUMNS),
            fo_key=tuple(module.FINANCE_OPERATIONS_KEY),
            dv_key=tuple(module.INTEGRATION_KEY),
            lookup_paths=dict(module.LOOKUP_PATHS),
            lookup_targets=dict(module.LOOKUP_TARGETS),
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

    def to_other_side(self, side: Side, row: Mapping[str, object]) -> dict[str, object]:
        """The generated mapping function from `side` towards the other one."""
        mapped: dict[str, object] = (
            self.module.to_dataverse(row)
            if side is Side.FINANCE_OPERATIONS
            else self.module.to_finance_operations(row)
        )
        return mapped


def load_templates(out_dir: Path, skipped: dict[str, str] | None = None) -> list[TemplateSpec]:
    """Every template of a build that the sync can run, from its manifest.json and generated
    modules. A template it cannot run (no integration key yet, as imported ones) is left out,
    with the reason in `skipped` when given."""
    manifest_path = out_dir / "manifest.json"
    if not manifest_path.is_file():
        raise SyncSetupError(f"{manifest_path} not found: run `mappingc build` first")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    specs = []
    for entry in manifest["templates"]:
        path = built_module(out_dir, entry)
        module = load_module(path, str(entry["name"]))
        try:
            specs.append(TemplateSpec.from_module(module))
        except SyncSetupError as error:
            if skipped is None:
                continue
            skipped[entry["name"]] = str(error)
    return specs


def load_module(path: Path, name: str) -> ModuleType:
    """Import the generated module at `path` (one that `built_module` vouched for)."""
    module_name = f"mappingc_generated_{name}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise SyncSetupError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def built_module(out_dir: Path, entry: Mapping[str, object]) -> Path:
    """The module a manifest entry names, if the build that wrote the manifest wrote it: a
    manifest is data, and the sync must not run whatever Python file it points at."""
    name, module = str(entry.get("name", "")), str(entry.get("module", ""))
    folder = out_dir.resolve()
    path = (out_dir / module).resolve()
    if not path.is_relative_to(folder) or Path(module).is_absolute():
        raise SyncSetupError(
            f"{out_dir}/manifest.json: {name}'s module {module} is outside the build folder"
        )
    if not (folder / MARKER).is_file():
        raise SyncSetupError(
            f"{out_dir} was not written by mappingc build (no {MARKER}): rebuild it"
        )
    expected = entry.get("module_sha256")
    found = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
    if expected is None or found != expected:
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
            for t in s.lookup_targets.values()
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
