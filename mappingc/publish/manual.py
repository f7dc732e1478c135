"""The pages of mappingc's own manual that are generated from its code, so they cannot drift:
docs/errors.md from the diagnostics registry.

    make manual        # or: python -m mappingc.publish.manual docs
"""

from __future__ import annotations

import sys
from pathlib import Path

from mappingc.diagnostics import Code, Group
from mappingc.emit.environment import render


def errors_page() -> str:
    codes = list(Code)
    groups = {group.value: [c for c in codes if c.group is group] for group in Group}
    return render("errors.md.j2", codes=codes, groups=groups)


def pages() -> dict[str, str]:
    """Each generated page by its path below docs/."""
    return {"errors.md": errors_page()}


def main(argv: list[str]) -> int:
    folder = Path(argv[0] if argv else "docs")
    for name, text in pages().items():
        with open(folder / name, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
