"""The pages of mappingc's own manual that are generated from its code, so they cannot drift:
docs/errors.md from the diagnostics registry, docs/cli.md from the click commands.

    make manual        # or: python -m mappingc.cli.manual docs
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

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


def pages() -> dict[str, str]:
    """Each generated page by its path below docs/."""
    return {"errors.md": errors_page(), "cli.md": cli_page()}


def main(argv: list[str]) -> int:
    folder = Path(argv[0] if argv else "docs")
    for name, text in pages().items():
        with open(folder / name, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
