"""What a sync command did, per template, as the CLI prints it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from mappingc.sync.changes import Outcome


@dataclass
class Summary:
    written: Counter[str] = field(default_factory=Counter)
    deleted: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)  # filtered out
    failed: Counter[str] = field(default_factory=Counter)
    # Changes held back because the other side changed the row later, and changes dropped for
    # good because that later change was applied (recorded conflicts).
    held_back: Counter[str] = field(default_factory=Counter)
    conflicts: Counter[str] = field(default_factory=Counter)
    changes: int = 0
    paused: bool = False

    def count(self, outcome: Outcome, template: str, rows: int = 1) -> None:
        """`rows` more of `template` came to `outcome` (an unchanged one is not counted)."""
        match outcome:
            case Outcome.WRITTEN:
                self.written[template] += rows
            case Outcome.DELETED:
                self.deleted[template] += rows
            case Outcome.SKIPPED:
                self.skipped[template] += rows
            case Outcome.FAILED:
                self.failed[template] += rows
            case Outcome.HELD_BACK:
                self.held_back[template] += rows

    def add(self, other: Summary) -> None:
        for name in ("written", "deleted", "skipped", "failed", "held_back", "conflicts"):
            getattr(self, name).update(getattr(other, name))
        self.changes += other.changes
        self.paused = self.paused or other.paused

    def lines(self) -> list[str]:
        counters = (self.written, self.deleted, self.skipped, self.failed, self.conflicts)
        names = sorted(set().union(*counters))
        lines = []
        for name in names:
            line = (
                f"{name}: {self.written[name]} written, {self.deleted[name]} deleted, "
                f"{self.skipped[name]} filtered out, {self.failed[name]} failed"
            )
            if self.conflicts[name]:
                line += f", {self.conflicts[name]} conflict(s) won by the later edit"
            lines.append(line)
        return lines
