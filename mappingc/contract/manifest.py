"""`manifest.json`: what one build wrote, template by template (docs/output-contract.md).

The build writes it; everything that runs a build's output (the sync, bulk) reads it through
`Manifest.read`, which refuses a file of another version or shape with a message that says what
to do, rather than a KeyError somewhere later.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

# Raised with every change to the manifest's keys or their meaning; readers refuse other versions.
MANIFEST_VERSION: Literal[1] = 1
FILE_NAME = "manifest.json"


class ManifestError(Exception):
    """The manifest is missing, unreadable, or of another version; the message says why."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TemplateEntry(_Model):
    """One template of the build and the files written for it."""

    name: str = Field(description="The template's name, as in the DSL.")
    label: str = Field(description="Its label, as published.")
    fo_entity: str = Field(description="The finance and operations data entity.")
    dataverse_table: str = Field(description="The Dataverse table (entity set name).")
    ref: int | None = Field(description="The reference id: the anchor of the published docs.")
    source: str = Field(description="The DSL file, as `<mappings folder name>/<path inside it>`.")
    module: str = Field(description="The sync module, relative to the output folder.")
    doc: str = Field(description="The template's Markdown page, relative to the output folder.")
    module_sha256: str = Field(
        description="SHA-256 of the module as written: what runs it checks it is still that."
    )


class Manifest(_Model):
    """Every template of one build, by name."""

    manifest_version: Literal[1] = Field(
        default=MANIFEST_VERSION,
        description="Raised with every change to these keys; readers refuse other versions.",
    )
    templates: tuple[TemplateEntry, ...] = Field(description="One entry a template, by name.")

    def template(self, name: str) -> TemplateEntry | None:
        return next((entry for entry in self.templates if entry.name == name), None)

    def text(self) -> str:
        """The file as the build writes it: two-space indent, keys in declared order."""
        return json.dumps(self.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        """The manifest of the build in `folder`."""
        path = folder / FILE_NAME
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ManifestError(f"{path} not found: run `mappingc build` first") from None
        except (OSError, UnicodeDecodeError) as error:
            raise ManifestError(f"{path} cannot be read ({error})") from None
        try:
            version = json.loads(text).get("manifest_version")
        except (ValueError, AttributeError):
            raise ManifestError(
                f"{path} is not a mappingc manifest: run `mappingc build`"
            ) from None
        if version != MANIFEST_VERSION:
            raise ManifestError(
                f"{path} is of manifest version {version or 'none (before versions)'}, this "
                f"mappingc reads version {MANIFEST_VERSION}: run `mappingc build` again"
            )
        try:
            return cls.model_validate_json(text)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise ManifestError(
                f"{path} is not a mappingc manifest ({where}: {first['msg']}): run "
                "`mappingc build` again"
            ) from None


def json_schema() -> str:
    """The manifest's JSON Schema, as docs/output-contract.md publishes it."""
    schema = Manifest.model_json_schema()
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
