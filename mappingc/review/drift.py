"""An environment's deployed table maps against the project: what differs, template by
template, paired as dual-write pairs maps (FO entity, Dataverse table).

An export says what a deployed map does: its rows, map types, value maps, defaults, filters
and, where it carries one, its integration key. It says nothing of field types, reference ids,
labels or the project's names, so those are never drift; a UI export carries no integration
key, so a key is compared only where the export has one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from mappingc import ir
from mappingc.review.compare import Change, matched, template_changes
from mappingc.review.rules import Rule

# What a deployed map can differ in.
SHOWN = frozenset(
    {
        Rule.ROW_REMOVED,
        Rule.ROW_ADDED,
        Rule.DIRECTION_NARROWED,
        Rule.DIRECTION_WIDENED,
        Rule.MAP_TYPE_CHANGED,
        Rule.VALUE_MAP_ENTRY_REMOVED,
        Rule.VALUE_MAP_ENTRY_ADDED,
        Rule.VALUE_MAP_VALUE_CHANGED,
        Rule.DEFAULT_CHANGED,
        Rule.KEY_CHANGED,
        Rule.FILTER_CHANGED,
        Rule.LOOKUP_CHANGED,
    }
)


@dataclass
class TemplateDrift:
    """One template, or one deployed map git does not have (`project` None), or one template
    the environment does not run (`environment` None, with `complete`)."""

    project: ir.Template | None
    environment: ir.Template | None
    differences: list[Change] = field(default_factory=list)

    @property
    def name(self) -> str:
        found = self.project or self.environment
        assert found is not None
        return found.name

    @property
    def pair(self) -> str:
        found = self.project or self.environment
        assert found is not None
        return f"{found.finance_operations_entity} → {found.dataverse_table}"

    @property
    def drifted(self) -> bool:
        return self.project is None or self.environment is None or bool(self.differences)


def drift(
    project: ir.Catalog,
    environment: ir.Catalog,
    same_entity: Callable[[str, str], bool],
    complete: bool = False,
) -> list[TemplateDrift]:
    """Every template of the environment, with what differs from the project; with `complete`
    (the export is the whole environment) also the project's templates it does not run."""
    pairs, only_project, only_environment = matched(
        project.templates, environment.templates, same_entity
    )
    found = []
    for ours, theirs in pairs:
        differences = [
            change
            for change in template_changes(
                ours, theirs, project, environment, same_entity, defaults_as_text=True
            )
            if change.rule in SHOWN and not (change.rule is Rule.KEY_CHANGED and not theirs.keys)
        ]
        found.append(TemplateDrift(ours, theirs, differences))
    found += [TemplateDrift(None, theirs) for theirs in only_environment]
    if complete:
        found += [TemplateDrift(ours, None) for ours in only_project]
    return sorted(found, key=lambda d: (d.pair, d.name))
