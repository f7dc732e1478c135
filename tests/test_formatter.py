"""`mappingc fmt`: one canonical layout that keeps every comment, blank-line group and text block,
is idempotent, and never changes what a file means: building the formatted catalog (and random
templates) gives byte-identical output."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from test_formatting import templates as random_templates

from conftest import FIXTURES, REPO
from mappingc.build import compile_sources
from mappingc.cli import main
from mappingc.frontend.formatter import format_text
from mappingc.sources import read_sources

CATALOG, _ = read_sources(REPO / "mappings")
SHOWCASE, _ = read_sources(FIXTURES / "showcase")


def formatted(text: str, path: str = "m/t.dwmap") -> str:
    result, errors = format_text(path, text)
    assert result is not None, errors
    return result


def test_the_committed_mappings_are_formatted() -> None:
    for path, text in [*CATALOG, *SHOWCASE]:
        assert formatted(text, path) == text, f"{path}: run `mappingc fmt`"


def test_formatting_the_catalog_changes_no_byte_of_the_build() -> None:
    rough = [(path, _roughen(text)) for path, text in CATALOG]
    assert rough != CATALOG
    before = compile_sources(rough)
    after = compile_sources([(path, formatted(text, path)) for path, text in rough])
    assert before.ok and after.ok
    assert before.files == after.files


def _roughen(text: str) -> str:
    """The same file laid out carelessly: spaces collapsed or doubled, tabs, no alignment."""
    lines = []
    for number, line in enumerate(text.split("\n")):
        if line.lstrip().startswith("#") or '"""' in line:
            lines.append(line)
        elif number % 3 == 0:
            lines.append("\t" + " ".join(line.split()).replace(" = ", "   =   "))
        else:
            lines.append("  " + " ".join(line.split()))
    return "\n".join(lines) + "\n\n\n"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_templates())
def test_random_templates_build_the_same_once_formatted(text: str) -> None:
    once = formatted(text)
    assert formatted(once) == once  # idempotent
    before, after = compile_sources([("m/t.dwmap", text)]), compile_sources([("m/t.dwmap", once)])
    assert before.ok and after.ok
    assert before.files == after.files


COMMENTED = '''# The file's own comment.

# About the template.
template   t   {   # on the opening line
    label "T"    # the label
    # Above the entity.
    finance_operations E
    dataverse t


    description """
        Prose that keeps   its own
        lines.
    """  # after the prose
    A = a : string # first row
    # between rows
    LONGER_NAME > b

    C >> c via { x: 1, y: 2 }    default x
    # last in the block
}   # on the closing line
valuemap   M {
  # inside a value map
  one : 1   # the first
  three_longer : 3
}
# At the end.
'''

EXPECTED = '''# The file's own comment.

# About the template.
template t {   # on the opening line
    label "T"  # the label
    # Above the entity.
    finance_operations E
    dataverse t

    description """
        Prose that keeps   its own
        lines.
    """                        # after the prose
    A           =  a : string  # first row
    # between rows
    LONGER_NAME >  b

    C >> c via { x: 1, y: 2 } default x
    # last in the block
}  # on the closing line

valuemap M {
    # inside a value map
    one          : 1  # the first
    three_longer : 3
}

# At the end.
'''


def test_comments_stay_with_their_statements_and_blank_groups_become_one_line() -> None:
    assert formatted(COMMENTED) == EXPECTED
    assert formatted(EXPECTED) == EXPECTED


def test_hash_signs_inside_strings_are_not_comments() -> None:
    text = (
        'template t {\n    label "A # B"\n    finance_operations E\n    dataverse t\n'
        "    reversed_filter a eq '#x'\n    A =  a : string default \"#\"\n}\n"
    )
    assert formatted(text) == text


def test_a_file_that_does_not_parse_is_reported_and_left_alone(
    tmp_path: Path, monkeypatch: object
) -> None:
    path = tmp_path / "broken.dwmap"
    path.write_text("template t {\n    label\n}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["fmt", str(path)])
    assert result.exit_code == 1
    assert "error[E100]" in result.output and "could not be formatted" in result.output
    assert path.read_text() == "template t {\n    label\n}\n"


def test_check_diff_and_write(tmp_path: Path) -> None:
    path = tmp_path / "t.dwmap"
    rough = 'template t {\nlabel "T"\nfinance_operations E\ndataverse t\nA =  a\n}\n'
    path.write_text(rough, encoding="utf-8")
    checked = CliRunner().invoke(main, ["fmt", "--check", str(tmp_path)])
    assert checked.exit_code == 1 and "would reformat" in checked.output
    shown = CliRunner().invoke(main, ["fmt", "--diff", str(path)])
    assert shown.exit_code == 0 and "+    A =  a" in shown.output
    assert path.read_text() == rough  # neither wrote anything
    written = CliRunner().invoke(main, ["fmt", str(path)])
    assert written.exit_code == 0 and "1 file(s) reformatted" in written.output
    assert path.read_text() == formatted(rough)
    assert CliRunner().invoke(main, ["fmt", "--check", str(path)]).exit_code == 0
