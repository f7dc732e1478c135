"""Every diagnostic code, declared once: its severity, group and heading here; when it is reported,
an example message and its explanation in explanations.txt beside this module (what `mappingc
explain CODE` prints and docs/errors.md is generated from)."""

from __future__ import annotations

import functools
import re
from enum import StrEnum
from importlib import resources


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    # What was not checked, and why: nothing to act on, so the command line counts notes in
    # one line and lists them with --verbose; editors show them as hints, tools get them all.
    NOTE = "note"


class Group(StrEnum):
    """Where a code is reported; the reference lists codes by group."""

    COMPILE = "compile"
    DUAL_WRITE = "dual-write"  # what dual-write's own validation would reject (DIPV codes)
    IMPORT = "import"


class Code(StrEnum):
    """A diagnostic code: `Code.UNKNOWN_VALUE_MAP` is "E103" and knows how it is documented."""

    severity: Severity
    group: Group
    heading: str

    def __new__(cls, value: str, severity: Severity, group: Group, heading: str) -> Code:
        member = str.__new__(cls, value)
        member._value_ = value
        member.severity = severity
        member.group = group
        member.heading = heading
        return member

    @property
    def summary(self) -> str:
        """When it is reported, in one sentence."""
        return _documentation()[self.value][0]

    @property
    def example(self) -> str:
        """A message it is reported with."""
        return _documentation()[self.value][1]

    @property
    def explanation(self) -> str:
        return _documentation()[self.value][2]

    @property
    def suppressible(self) -> bool:
        """Warnings, and the errors that foretell a dual-write rejection: mappingc's output is
        still right, so a template published that way may say so at its source. Other errors
        mean the output would be wrong."""
        return self.severity is not Severity.ERROR or self.group is Group.DUAL_WRITE

    @property
    def needs_schema(self) -> bool:
        """Reported only when there are schema snapshots to check against."""
        return self.group is Group.DUAL_WRITE and self.value != "E617"

    @classmethod
    def lookup(cls, value: str) -> Code | None:
        """The code written `value` (`E103`, `e103`), or None."""
        return next((code for code in cls if code.value == value.upper()), None)

    SYNTAX = (
        "E100",
        Severity.ERROR,
        Group.COMPILE,
        "syntax error",
    )
    UNKNOWN_MAP_TYPE = (
        "E101",
        Severity.ERROR,
        Group.COMPILE,
        "unknown map type",
    )
    UNKNOWN_FIELD_TYPE = (
        "E102",
        Severity.ERROR,
        Group.COMPILE,
        "unknown field type",
    )
    UNKNOWN_VALUE_MAP = (
        "E103",
        Severity.ERROR,
        Group.COMPILE,
        "unknown value map",
    )
    TEMPLATE_PROPERTY = (
        "E104",
        Severity.ERROR,
        Group.COMPILE,
        "template header",
    )
    LOOKUP_PATH = (
        "E105",
        Severity.ERROR,
        Group.COMPILE,
        "lookup",
    )
    STRING_CONTENT = (
        "E106",
        Severity.ERROR,
        Group.COMPILE,
        "string content",
    )
    TOO_DEEP = (
        "E107",
        Severity.ERROR,
        Group.COMPILE,
        "nested too deeply",
    )
    DATAVERSE_FIELD_TWICE = (
        "E200",
        Severity.ERROR,
        Group.COMPILE,
        "Dataverse column written twice",
    )
    VALUE_MAP_WITHOUT_TRANSFORM = (
        "E201",
        Severity.ERROR,
        Group.COMPILE,
        "value map without a transform",
    )
    TRANSFORM_WITHOUT_EFFECT = (
        "E202",
        Severity.ERROR,
        Group.COMPILE,
        "transform without effect",
    )
    VALUE_MAP_NOT_INVERTIBLE = (
        "E203",
        Severity.ERROR,
        Group.COMPILE,
        "value map cannot be inverted",
    )
    KEY_FIELD = (
        "E204",
        Severity.ERROR,
        Group.COMPILE,
        "integration key",
    )
    DEFAULT_TYPE = (
        "E205",
        Severity.ERROR,
        Group.COMPILE,
        "default does not fit",
    )
    DUPLICATE_TEMPLATE = (
        "E206",
        Severity.ERROR,
        Group.COMPILE,
        "template defined twice",
    )
    VALUE_MAP_DEFINITION = (
        "E207",
        Severity.ERROR,
        Group.COMPILE,
        "value map definition",
    )
    NONE_SIDE = (
        "E208",
        Severity.ERROR,
        Group.COMPILE,
        "`none` row",
    )
    TYPE_WITH_VALUE_MAP = (
        "E209",
        Severity.ERROR,
        Group.COMPILE,
        "type on a value-mapped row",
    )
    DUPLICATE_REF = (
        "E210",
        Severity.ERROR,
        Group.COMPILE,
        "reference id used twice",
    )
    PAGE = (
        "E211",
        Severity.ERROR,
        Group.COMPILE,
        "page",
    )
    FILTER_FIELD = (
        "E212",
        Severity.ERROR,
        Group.COMPILE,
        "filter field",
    )
    NAME_TOO_LONG = (
        "E213",
        Severity.ERROR,
        Group.COMPILE,
        "template name too long",
    )
    FILTER_VALUE = (
        "E214",
        Severity.ERROR,
        Group.COMPILE,
        "filter value the field cannot hold",
    )
    FILE_NAME = (
        "E215",
        Severity.ERROR,
        Group.COMPILE,
        "name no generated file can have",
    )
    STORE_NAME = (
        "E216",
        Severity.ERROR,
        Group.COMPILE,
        "names the stores hold as one",
    )
    TYPE_TWICE = (
        "E217",
        Severity.ERROR,
        Group.COMPILE,
        "one field, two types",
    )
    FILE = (
        "E300",
        Severity.ERROR,
        Group.COMPILE,
        "file cannot be read",
    )
    FO_FIELD_TWICE = (
        "W400",
        Severity.WARNING,
        Group.COMPILE,
        "FO field mapped twice",
    )
    UNUSED_VALUE_MAP = (
        "W401",
        Severity.WARNING,
        Group.COMPILE,
        "value map not used",
    )
    SCHEMA_FILE = (
        "E600",
        Severity.ERROR,
        Group.DUAL_WRITE,
        "schema snapshot cannot be read",
    )
    SCHEMA_AMBIGUOUS = (
        "W601",
        Severity.WARNING,
        Group.DUAL_WRITE,
        "several snapshots fit",
    )
    UNKNOWN_SCHEMA_FIELD = (
        "E610",
        Severity.ERROR,
        Group.DUAL_WRITE,
        "field not in the schema",
    )
    NOT_IN_PARTIAL_SCHEMA = (
        "W619",
        Severity.WARNING,
        Group.DUAL_WRITE,
        "field not in a partial schema",
    )
    UNCHECKED_NAME = (
        "N622",
        Severity.NOTE,
        Group.DUAL_WRITE,
        "name not checked",
    )
    LOOKUP_SCHEMA = (
        "E611",
        Severity.ERROR,
        Group.DUAL_WRITE,
        "lookup does not fit the schema",
    )
    SCHEMA_TYPE = (
        "E612",
        Severity.ERROR,
        Group.DUAL_WRITE,
        "type mismatch",
    )
    READ_ONLY_DESTINATION = (
        "E613",
        Severity.ERROR,
        Group.DUAL_WRITE,
        "read-only destination",
    )
    REQUIRED_DESTINATION = (
        "E614",
        Severity.ERROR,
        Group.DUAL_WRITE,
        "required field not mapped",
    )
    REQUIRED_UNKNOWN = (
        "W620",
        Severity.WARNING,
        Group.DUAL_WRITE,
        "required by metadata that does not say by whom",
    )
    COMPUTED_DESTINATION = (
        "W621",
        Severity.WARNING,
        Group.DUAL_WRITE,
        "computed destination",
    )
    KEY_NOT_ALTERNATE = (
        "E615",
        Severity.ERROR,
        Group.DUAL_WRITE,
        "integration key is not an alternate key",
    )
    VALUE_OUTSIDE_OPTIONS = (
        "E616",
        Severity.ERROR,
        Group.DUAL_WRITE,
        "value map outside the option set",
    )
    BIDIRECTIONAL_TWICE = (
        "E617",
        Severity.ERROR,
        Group.DUAL_WRITE,
        "field mapped twice both ways",
    )
    COMPANY_CONTEXT = (
        "E618",
        Severity.ERROR,
        Group.DUAL_WRITE,
        "company context differs",
    )
    TABLE_MAP = (
        "E500",
        Severity.ERROR,
        Group.IMPORT,
        "table map cannot be imported",
    )
    SUPPRESSION = (
        "W402",
        Severity.WARNING,
        Group.COMPILE,
        "suppression",
    )
    NO_KEY = (
        "W403",
        Severity.WARNING,
        Group.COMPILE,
        "template without a key",
    )
    UNSTATED_KEY = (
        "N407",
        Severity.NOTE,
        Group.COMPILE,
        "published template without a key",
    )
    TABLE_MAPPED_TWICE = (
        "N408",
        Severity.NOTE,
        Group.COMPILE,
        "table mapped by another template",
    )
    SIDES_SWAPPED = (
        "W404",
        Severity.WARNING,
        Group.COMPILE,
        "sides look swapped",
    )
    MIXED_VALUE_MAP = (
        "W405",
        Severity.WARNING,
        Group.COMPILE,
        "value map mixes numbers and text",
    )
    FILTER_NEVER_MATCHES = (
        "W406",
        Severity.WARNING,
        Group.COMPILE,
        "filter comparison that cannot match",
    )
    NOT_A_MAPPING_TABLE = (
        "W500",
        Severity.WARNING,
        Group.IMPORT,
        "no mapping table",
    )
    ROW_NOT_IMPORTED = (
        "W501",
        Severity.WARNING,
        Group.IMPORT,
        "row kept as a comment",
    )
    FILTER_TRANSLATED = (
        "E501",
        Severity.ERROR,
        Group.IMPORT,
        "translated filter",
    )
    VALUE_TRANSLATED = (
        "W509",
        Severity.WARNING,
        Group.IMPORT,
        "value that may be translated",
    )
    TABLE_NOT_STATED = (
        "W502",
        Severity.WARNING,
        Group.IMPORT,
        "table not stated",
    )
    FILTER_NOT_IMPORTED = (
        "W503",
        Severity.WARNING,
        Group.IMPORT,
        "filter kept as a comment",
    )
    ROWS_NOT_IN_TABLE = (
        "W506",
        Severity.WARNING,
        Group.IMPORT,
        "rows Markdown does not read as a table",
    )
    CELLS_NOT_READ = (
        "W507",
        Severity.WARNING,
        Group.IMPORT,
        "cells not read",
    )
    ALREADY_IN_PROJECT = (
        "W505",
        Severity.WARNING,
        Group.IMPORT,
        "already in the project",
    )
    TABLE_MAP_NOT_EXPRESSED = (
        "W508",
        Severity.WARNING,
        Group.IMPORT,
        "table-map setting not expressed",
    )
    IMPORT_READING = (
        "W504",
        Severity.WARNING,
        Group.IMPORT,
        "cell read one of two ways",
    )


@functools.cache
def _documentation() -> dict[str, tuple[str, str, str]]:
    """Each code's (summary, example, explanation), from its `[CODE]` section."""
    text = resources.files("mappingc.diagnostics").joinpath("explanations.txt").read_text("utf-8")
    found: dict[str, tuple[str, str, str]] = {}
    section = re.compile(
        r"^\[([EWN][0-9]{3})\]\nsummary: ([^\n]*)\nexample: ([^\n]*)\n"
        r"(.*?)(?=^\[[EWN][0-9]{3}\]$|\Z)",
        re.M | re.S,
    )
    for match in section.finditer(text):
        code, summary, example, explanation = match.groups()
        found[code] = (summary, example, explanation.strip())
    return found
