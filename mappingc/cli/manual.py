"""The pages of mappingc's own manual that are generated from its code, so they cannot drift:
docs/errors.md from the diagnostics registry, docs/cli.md from the click commands, and the
manifest's JSON Schema in docs/output-contract.md from its model.

    make manual        # or: python -m mappingc.cli.manual docs
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from mappingc.contract.manifest import json_schema
from mappingc.diagnostics import Code, Group
from mappingc.emit.environment import render

# The help text is laid out for this width whatever the terminal that runs `make manual`.
_WIDTH = 100


def errors_page() -> str:
    codes = list(Code)
    groups = {group.value: [c for c in codes if c.group is group] for group in Group}
    return render("errors.md.j2", codes=codes, groups=groups)


def _commands(
    command: click.Command, path: list[str], parent: click.Context | None
) -> list[dict[str, str]]:
    """`mappingc --help`, then every command's help, groups before their commands, by name."""
    context = click.Context(
        command,
        info_name=path[-1],
        parent=parent,
        terminal_width=_WIDTH,
        max_content_width=_WIDTH,
        help_option_names=["-h", "--help"],  # as main's context_settings says
    )
    found = [{"name": " ".join(path), "help": command.get_help(context)}]
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            found += _commands(command.commands[name], [*path, name], context)
    return found


def cli_page() -> str:
    from mappingc.cli import main

    return render("cli.md.j2", commands=_commands(main, ["mappingc"], None))


_SCHEMA_START = "<!-- manifest-schema: written by `make manual` from mappingc.contract.manifest -->"
_SCHEMA_END = "<!-- end of manifest-schema -->"


def output_contract_page(written: str) -> str:
    """docs/output-contract.md as written, with the manifest's JSON Schema in its place."""
    start, end = written.index(_SCHEMA_START), written.index(_SCHEMA_END)
    block = f"{_SCHEMA_START}\n\n```json\n{json_schema()}```\n\n"
    return written[:start] + block + written[end:]


def pages(folder: Path) -> dict[str, str]:
    """Each generated page by its path below `folder` (docs/)."""
    contract = (folder / "output-contract.md").read_text(encoding="utf-8")
    return {
        "errors.md": errors_page(),
        "cli.md": cli_page(),
        "output-contract.md": output_contract_page(contract),
    }


def main(argv: list[str]) -> int:
    folder = Path(argv[0] if argv else "docs")
    for name, text in pages(folder).items():
        with open(folder / name, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
