"""Write mappingc/interchange/languages.toml: what Microsoft's localized dual-write mapping tables
write for the English words of a table, learned by aligning each localized include of
tests/corpus/dual-write-l10n/includes/<lang>/ with the English include of the same name in
tests/corpus/dual-write/includes/ (same rows, same filters, in the same order).

    .venv/bin/python scripts/l10n_facts.py      # rewrites the data file; review the diff

Only what the pages themselves show is kept: a word is a translation of `none`, `and`, `true`…
because it stands where the English page has that word.
"""

from __future__ import annotations

import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from mappingc.interchange.markdown import read_page  # noqa: E402

ENGLISH = REPO / "tests" / "corpus" / "dual-write" / "includes"
LOCALIZED = REPO / "tests" / "corpus" / "dual-write-l10n" / "includes"
SOURCES = REPO / "tests" / "corpus" / "dual-write-l10n" / "includes" / "SOURCES.md"
OUT = REPO / "mappingc" / "interchange" / "languages.toml"
_FILTER = re.compile(r"^(?P<which>reversed source filter|source filter)\s*:\s*(?P<text>.*)$", re.I)
_WORDS = {"and", "or", "not", "true", "false"}


def _tokens(text: str) -> list[str]:
    return re.findall(r'"[^"]*"|\'[^\']*\'|[^\s()]+', text)


def _filters(table: object) -> list[tuple[str, str]]:
    return [(line.text.strip(), "") for line in table.prose if line.text.strip()]  # type: ignore[attr-defined]


def _commits() -> dict[str, str]:
    found = {}
    for line in SOURCES.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) >= 3 and re.fullmatch(r"`[0-9a-f]{40}`", cells[2]):
            found[cells[0]] = cells[2].strip("`")
    return found


def learn(language: Path) -> dict[str, object]:
    words: dict[str, Counter[str]] = defaultdict(Counter)
    values: dict[str, str] = {}
    names: dict[str, str] = {}
    headers: set[tuple[str, ...]] = set()
    for path in sorted(language.glob("*.md")):
        english_path = ENGLISH / path.name
        if not english_path.exists():
            local_page = read_page(path.read_text(encoding="utf-8"))
            headers.update(t.header for t in local_page.tables)
            continue
        english = read_page(english_path.read_text(encoding="utf-8")).tables
        local = read_page(path.read_text(encoding="utf-8")).tables
        for en, lo in zip(english, local, strict=False):
            headers.add(lo.header)
            if en.heading and lo.heading and (m := re.fullmatch(r"(.+) to (\S+)", en.heading.text)):
                table = m.group(2)
                if lo.heading.text.endswith(" " + table):
                    before = lo.heading.text[: -len(table) - 1].split()
                    if len(before) >= 2:
                        words["to"][before[-1]] += 1
            en_prose = [t.text.strip() for t in en.prose if t.text.strip()]
            lo_prose = [t.text.strip() for t in lo.prose if t.text.strip()]
            for en_line, lo_line in zip(en_prose, lo_prose, strict=False):
                found = _FILTER.match(en_line)
                if not found:
                    continue
                body = found["text"].strip()
                parts = re.split("\\s*[:\uff1a]\\s*", lo_line, maxsplit=1)
                if len(parts) != 2:
                    continue
                prefix, local_body = parts
                which = (
                    "reversed_filter" if found["which"].lower().startswith("r") else "source_filter"
                )
                words[which][prefix.strip()] += 1
                en_tokens, lo_tokens = _tokens(body), _tokens(local_body)
                if len(en_tokens) != len(lo_tokens):
                    continue  # words added or dropped: nothing can be aligned
                for en_token, lo_token in zip(en_tokens, lo_tokens, strict=True):
                    if en_token.lower() in _WORDS and lo_token != en_token:
                        words[en_token.lower()][lo_token] += 1
                    elif en_token.startswith('"') and lo_token != en_token:
                        values[lo_token.strip('"„“”')] = en_token.strip('"')
            if len(en.rows) != len(lo.rows):
                continue
            for en_row, lo_row in zip(en.rows, lo.rows, strict=True):
                for column in (0, 2):
                    if column >= len(en_row.cells) or column >= len(lo_row.cells):
                        continue
                    en_cell, lo_cell = en_row.cells[column].text, lo_row.cells[column].text
                    if en_cell == "none" and lo_cell != "none":
                        words["none"][lo_cell] += 1
                    elif en_cell != lo_cell and re.fullmatch(r"[A-Za-z_][\w.]*", en_cell):
                        names[lo_cell] = en_cell  # a field name the page translated
                if len(en_row.cells) > 3 and len(lo_row.cells) > 3:
                    en_default, lo_default = en_row.cells[3].text, lo_row.cells[3].text
                    if en_default != lo_default and en_default and lo_default:
                        if en_default.lower() in {"true", "false"}:
                            words[en_default.lower()][lo_default] += 1
                        else:
                            values[lo_default] = en_default
    facts: dict[str, object] = {k: sorted(v) for k, v in sorted(words.items())}
    facts["headers"] = sorted(" | ".join(h) for h in headers if len(h) >= 3)
    facts["values"] = dict(sorted(values.items()))
    facts["names"] = dict(sorted(names.items()))
    return facts


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main() -> None:
    commits = _commits()
    lines = [
        "# What Microsoft's localized dual-write mapping tables write for the English words of",
        "# a table, per language: learned from the pages themselves by scripts/l10n_facts.py",
        "# (each word stands where the English page has the word it translates). Sources: the",
        "# `main` branch of MicrosoftDocs/Dynamics-365-Operations.<language> at the commit",
        "# given, CC BY 4.0 (tests/corpus/dual-write-l10n/includes/SOURCES.md). `values`: text a",
        "# page translated that the English page has as a filter value or default (never mapped",
        "# back: import-docs says so); `names`: field and column names a page translated, mapped",
        "# back where they stand in a table's field columns.",
        "",
    ]
    for language in sorted(p for p in LOCALIZED.iterdir() if p.is_dir()):
        facts = learn(language)
        lines.append(f"[{language.name}]")
        source = f"MicrosoftDocs/Dynamics-365-Operations.{language.name}"
        lines.append(f"source = {_toml_string(source + '@' + commits.get(language.name, '?'))}")
        for key, value in facts.items():
            if key in {"values", "names"}:
                continue
            assert isinstance(value, list)
            lines.append(f"{key} = [{', '.join(_toml_string(v) for v in value)}]")
        for table in ("values", "names"):
            entries = facts[table]
            assert isinstance(entries, dict)
            lines.append(f"[{language.name}.{table}]")
            lines += [f"{_toml_string(k)} = {_toml_string(v)}" for k, v in entries.items()]
        lines.append("")
    OUT.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {OUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
