"""Defaults for the CLI from `[tool.mappingc]` in the nearest pyproject.toml."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
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
        )
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{pyproject}: {error}") from None
    section = data.get("tool", {}).get("mappingc", {})
    if not isinstance(section, dict):
        raise ConfigError(f"{pyproject}: [tool.mappingc] must be a table")
    unknown = sorted(set(section) - {"mappings", "out", "locales", "fo_store", "dataverse_store"})
    if unknown:
        raise ConfigError(f"{pyproject}: unknown [tool.mappingc] keys: {', '.join(unknown)}")
    values = {}
    for key, default in (("mappings", "mappings"), ("out", "generated"), ("locales", "locales")):
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
    )
