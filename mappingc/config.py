"""Defaults for the CLI from `[tool.mappingc]` in the nearest pyproject.toml."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path


class ConfigError(Exception):
    pass


@dataclass(frozen=True)
class Config:
    mappings: Path
    out: Path
    locales: Path
    fo_store: str = "fo.db"  # a path (an SQLite file) or a SQLAlchemy URL
    dataverse_store: str = "dataverse.db"
    cache: Path | None = None  # .mappingc-cache beside pyproject.toml
    root: Path | None = None  # the project: the folder of pyproject.toml, else the working folder
    # [tool.mappingc.lint] per-path-ignores: glob of source names → warning codes silenced there.
    ignores: dict[str, list[str]] = field(default_factory=dict)
    # Schema snapshots the build checks templates against (`mappingc import-schema` writes them);
    # a folder that does not exist means no checks against metadata.
    schemas: Path | None = None


def find_pyproject(start: Path) -> Path | None:
    for folder in [start, *start.parents]:
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load(start: Path | None = None) -> Config:
    """Paths in pyproject.toml are relative to it; without one, `mappings/` and `generated/`."""
    cwd = start or Path.cwd()
    pyproject = find_pyproject(cwd)
    if pyproject is None:
        return Config(
            cwd / "mappings",
            cwd / "generated",
            cwd / "locales",
            cache=cwd / ".mappingc-cache",
            root=cwd,
            schemas=cwd / "schemas",
        )
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{pyproject}: {error}") from None
    section = data.get("tool", {}).get("mappingc", {})
    if not isinstance(section, dict):
        raise ConfigError(f"{pyproject}: [tool.mappingc] must be a table")
    known = {"mappings", "out", "locales", "schemas", "fo_store", "dataverse_store", "lint"}
    unknown = sorted(set(section) - known)
    if unknown:
        raise ConfigError(f"{pyproject}: unknown [tool.mappingc] keys: {', '.join(unknown)}")
    values = {}
    folders = (("mappings", "mappings"), ("out", "generated"), ("locales", "locales"))
    for key, default in (*folders, ("schemas", "schemas")):
        value = section.get(key, default)
        if not isinstance(value, str):
            raise ConfigError(f"{pyproject}: [tool.mappingc] {key} must be a string path")
        values[key] = pyproject.parent / value
    stores = {}
    for key, default in (("fo_store", "fo.db"), ("dataverse_store", "dataverse.db")):
        value = section.get(key, default)
        if not isinstance(value, str):
            raise ConfigError(f"{pyproject}: [tool.mappingc] {key} must be a string")
        stores[key] = value if "://" in value else str(pyproject.parent / value)
    return Config(
        values["mappings"],
        values["out"],
        values["locales"],
        **stores,
        cache=pyproject.parent / ".mappingc-cache",
        root=pyproject.parent,
        ignores=_lint(section.get("lint", {}), pyproject),
        schemas=values["schemas"],
    )


def _lint(section: object, pyproject: Path) -> dict[str, list[str]]:
    """`[tool.mappingc.lint]`: `per-path-ignores = { "glob" = ["W400", …] }`."""
    where = f"{pyproject}: [tool.mappingc.lint]"
    if not isinstance(section, dict):
        raise ConfigError(f"{where} must be a table")
    unknown = sorted(set(section) - {"per-path-ignores"})
    if unknown:
        raise ConfigError(f"{where}: unknown keys: {', '.join(unknown)}")
    ignores = section.get("per-path-ignores", {})
    if not isinstance(ignores, dict) or not all(
        isinstance(codes, list) and all(isinstance(c, str) for c in codes)
        for codes in ignores.values()
    ):
        raise ConfigError(f'{where}: per-path-ignores is {{ "glob" = ["W400", …] }}')
    return {str(pattern): [c.upper() for c in codes] for pattern, codes in ignores.items()}
