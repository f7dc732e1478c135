"""A seeded fuzzer over the real catalog and the published tables, with counted outcomes.

    make fuzz                                   # 20,000 + 5,000 inputs, a fresh seed
    python tests/fuzzing.py --templates N --tables M [--seed S]

Without `--seed` the campaign draws a fresh one and prints it, so that a failure can be replayed;
tests/test_fuzz.py runs 8,000 + 3,000 inputs with a fixed seed in `make test`.

Each mutated `.dwmap` input (catalog files with 1-3 mutations: lines dropped, doubled or swapped,
tokens replaced by ones the grammar knows, hostile characters, names made long, filters nested
deep) must end in clean diagnostics, or in output that imports, keeps its constants, maps an
empty row, renders and passes `mypy --strict`. Each mutated published page (blank lines and
indentation in tables, unclosed `<div>`/`<!--`, extra cells, `|` in backticks, lost delimiter
rows) must lose no row without a warning. No input may take over a second. tests/test_fuzz.py
runs a bounded campaign in CI and asserts these counts.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import random
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from outcomes import build, mypy_problems, problems_of, unaccounted_rows  # noqa: E402

REPO = HERE.parent
TEMPLATES = sorted((REPO / "mappings").rglob("*.dwmap"))
SHARED = (REPO / "mappings" / "shared" / "value_maps.dwmap").read_text(encoding="utf-8")
PAGES = sorted((HERE / "corpus" / "dual-write").rglob("*.md"))
SLOW = 1.0  # seconds: no input may take longer


def _words(text: str) -> list[str]:
    return text.split(" ")


# Words and signs the grammar knows, and names from the corners of Python.
_TOKENS = _words(
    "= > < >> << >< { } ( ) : , . \" ' # | => <> == template valuemap page label "
    "finance_operations dataverse ref description key source_filter reversed_filter lookup "
    "unmapped origin company_specific via default none blank True False unpublished string int "
    "decimal bool date datetime string(5) decimal(2) && || ! and or not eq ne null 'x' \"x\" 0 -1 "
    "3.5 999999999 class BaseModel Template DataverseRow Row Field mro _x \ufb01 fi TEMPLATE str"
)
_CHARACTERS = _words('\x00 \f \u2028 \ufeff \t \\ " % {{ é \u0421 \u202e \r')
_HOSTILE_NAMES = _words(
    "class datetime decimal str int Field BaseModel Row Rows Template TEMPLATE DataverseRow "
    "FinanceOperationsRow Mapping Final mro name value upper Gender _x model_config"
)
_HOSTILE_TEXT = [
    "100% %s %(x)s",
    "{{ 7*7 }} {% raw %}",
    "<script>alert(1)</script>",
    'quote " and \\ backslash',
    "[x](javascript:alert(1))",
    "a: b # c",
    "\ufb01 \u0421",
]


# Names from the corners of Python, pydantic, the stores and the file systems (issue 28).
_CORNER_NAMES = _words(
    "_0 _0a __0 __ _ _x __slots__ __dict__ __init__ class for match type None lambda "
    "model_dump model_validate model_config model_fields copy dict json schema fields "
    "Row Rows ValueMap SymbolEnum Field BaseModel Final Mapping TEMPLATE ROWS _id _ID True "
    "index Index CON nul json typing pydantic areas " + "F" * 64 + " " + "x" * 63
)


def _case_twin(name: str) -> str:
    return name.swapcase() if name.swapcase() != name else name + "_"


def rename(text: str, rng: random.Random) -> str:
    """A change that keeps the template valid: a value map, field, column, template or symbol
    given a name or text from the corners of Python, pydantic, the stores, Markdown and YAML."""
    choice = rng.randrange(7)
    if choice == 0 and (found := re.findall(r"^valuemap (\w+)", text, re.M)):
        old = rng.choice(found)
        return re.sub(rf"\b{old}\b", rng.choice(_HOSTILE_NAMES), text)
    if choice == 1 and (found := re.findall(r"^    ([A-Z][A-Z0-9_]*) +[=<>]", text, re.M)):
        old = rng.choice(found)
        return re.sub(rf"\b{old}\b", rng.choice(_HOSTILE_NAMES), text)
    if choice == 2 and (found := re.findall(r"^    ([A-Za-z_]\w*) +[=<>]+ +(\w+)", text, re.M)):
        fo, dv = rng.choice(found)
        old = rng.choice([fo, dv])
        new = rng.choice([*_CORNER_NAMES, _case_twin(old)])
        return re.sub(rf"(?<![\w.]){re.escape(old)}(?![\w(])", new, text)
    if choice == 3 and (found := re.findall(r"^template (\w+)", text, re.M)):
        return re.sub(rf"\b{found[0]}\b", rng.choice(_CORNER_NAMES), text, count=1)
    if choice == 4 and (found := re.findall(r"^    (\w+) : ", text, re.M)):
        old = rng.choice(found)
        return re.sub(rf"\b{old}\b", rng.choice(_CORNER_NAMES), text)
    hostile = rng.choice(_HOSTILE_TEXT).replace("\\", "\\\\").replace('"', '\\"')
    return re.sub(r'^(    label )"[^"\n]*"', rf'\1"{hostile}"', text, count=1, flags=re.M)


def mutate_template(text: str, rng: random.Random) -> str:
    if rng.random() < 0.35:
        return rename(text, rng)
    lines = text.split("\n")
    for _ in range(rng.randint(1, 3)):
        index = rng.randrange(len(lines))
        choice = rng.randrange(9)
        if choice == 0 and len(lines) > 1:
            del lines[index]
        elif choice == 1:
            lines.insert(index, lines[rng.randrange(len(lines))])
        elif choice == 2:
            other = rng.randrange(len(lines))
            lines[index], lines[other] = lines[other], lines[index]
        elif choice in (3, 4):  # a token replaced, added or removed
            words = lines[index].split(" ")
            spot = rng.randrange(len(words))
            words[spot] = (
                rng.choice(_TOKENS) if choice == 3 else words[spot] + " " + rng.choice(_TOKENS)
            )
            lines[index] = " ".join(words)
        elif choice == 5:
            line = lines[index]
            spot = rng.randrange(len(line) + 1)
            lines[index] = line[:spot] + rng.choice(_CHARACTERS) + line[spot:]
        elif choice == 6:  # a name made long
            words = lines[index].split(" ")
            spot = rng.randrange(len(words))
            words[spot] = words[spot] + "x" * rng.choice([10, 100, 300])
            lines[index] = " ".join(words)
        elif choice == 7:  # a filter nested deep
            depth = rng.choice([3, 30, 60, 400])
            if rng.random() < 0.5:
                lines.insert(index, "    source_filter " + "(" * depth + 'A == "x"' + ")" * depth)
            else:
                lines.insert(index, "    reversed_filter " + "not " * depth + "a eq 1")
        else:  # a row of the shapes the DSL has, with names from the grammar's corners
            fo, dv = rng.choice(_TOKENS), rng.choice(_TOKENS)
            lines.insert(
                index, f"    {fo} {rng.choice(['=', '><', '>>'])} {dv} via {rng.choice(_TOKENS)}"
            )
    return "\n".join(lines)


def mutate_page(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    for _ in range(rng.randint(1, 3)):
        index = rng.choice([i for i, line in enumerate(lines) if line.count("|") >= 2] or [0])
        choice = rng.randrange(8)
        if choice == 0:
            lines.insert(index, "")  # a blank line inside a table
        elif choice == 1:
            lines[index] = "    " + lines[index]  # an indented row
        elif choice == 2:
            lines.insert(max(0, index - 3), rng.choice(["<div>", "<!-- draft", "<details>"]))
        elif choice == 3:
            lines[index] = lines[index] + " extra | cells |"
        elif choice == 4:
            lines[index] = lines[index].replace("|", "`|`", 1)
        elif choice == 5 and index + 1 < len(lines):
            del lines[index + 1]  # often the delimiter row
        elif choice == 6:
            lines.insert(index, lines[index])  # a row twice
        else:
            line = lines[index]
            spot = rng.randrange(len(line) + 1)
            lines[index] = line[:spot] + rng.choice(_CHARACTERS) + line[spot:]
    return "\n".join(lines)


@dataclass
class Campaign:
    outcomes: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)  # outcome → one input that had it
    slowest: float = 0.0
    modules: int = 0  # distinct generated modules type-checked
    mypy: list[str] = field(default_factory=list)
    rows: int = 0  # published rows the page mutants held
    lost: int = 0  # of those, rows lost without a warning

    def record(self, outcome: str, example: str, seconds: float) -> None:
        if seconds > SLOW:
            outcome = "slow"
        self.outcomes[outcome] += 1
        self.examples.setdefault(outcome, example)
        self.slowest = max(self.slowest, seconds)


def run(templates: int, tables: int, seed: int = 20261202) -> Campaign:
    rng = random.Random(seed)
    campaign = Campaign()
    with tempfile.TemporaryDirectory(prefix="mappingc-fuzz-") as work:
        folder = Path(work)
        seen: set[str] = set()
        for number in range(templates):
            source = rng.choice(TEMPLATES)
            text = mutate_template(source.read_text(encoding="utf-8"), rng)
            sources = [(f"m/{source.name}", text), ("m/shared/value_maps.dwmap", SHARED)]
            if number % 250 == 0:
                # Outside the clock: the harness keeps thousands of imported modules, which the
                # collector would otherwise rescan during a timed build.
                gc.collect()
                gc.freeze()
            started = time.perf_counter()
            outcome = build(sources)
            seconds = time.perf_counter() - started  # mappingc's time, not the checks'
            kind = outcome.kind
            if kind == "output" and outcome.result is not None:
                modules = {n: t for n, t in outcome.result.files.items() if n.startswith("sync/")}
                fresh = {
                    n: t
                    for n, t in modules.items()
                    if hashlib.sha256(t.encode()).hexdigest() not in seen
                }
                seen.update(hashlib.sha256(t.encode()).hexdigest() for t in modules.values())
                problems = problems_of(outcome.result, folder / f"i{number}")
                if problems:
                    kind = "bad output"
                    text = "\n".join(problems) + "\n\n" + text
                elif not fresh:
                    for stale in (folder / f"i{number}").rglob("*.py"):
                        stale.unlink()  # already type-checked once
            campaign.record(kind, text, seconds)
        campaign.modules = len(list(folder.rglob("*.py")))
        campaign.mypy = mypy_problems(folder)
    gc.collect()
    gc.freeze()
    for _ in range(tables):
        page = rng.choice(PAGES)
        text = mutate_page(page.read_text(encoding="utf-8"), rng)
        started = time.perf_counter()
        try:
            lost = unaccounted_rows(page.name, text)
            kind = "lost rows" if lost else "all rows accounted for"
        except Exception as error:
            lost, kind = [], f"crash {type(error).__name__}"
        campaign.record(f"page: {kind}", text, time.perf_counter() - started)
        from outcomes import mapping_rows

        campaign.rows += len(mapping_rows(text))
        campaign.lost += len(lost)
    return campaign


def report(campaign: Campaign, templates: int, tables: int, seconds: float) -> str:
    lines = [
        f"fuzz: {templates} template inputs, {tables} page inputs, {seconds:.0f} s",
        "",
        "| outcome | inputs |",
        "|---|---|",
        *(f"| {name} | {count} |" for name, count in sorted(campaign.outcomes.items())),
        "",
        f"- distinct generated modules type-checked with mypy --strict: {campaign.modules}, "
        f"errors: {len(campaign.mypy)}",
        f"- published rows in the page inputs: {campaign.rows}, lost without a warning: "
        f"{campaign.lost}",
        f"- slowest input: {campaign.slowest:.2f} s",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--templates", type=int, default=10_000)
    parser.add_argument("--tables", type=int, default=3_000)
    parser.add_argument("--seed", type=int, default=None, help="default: a fresh one")
    arguments = parser.parse_args()
    started = time.perf_counter()
    seed = arguments.seed if arguments.seed is not None else random.SystemRandom().randrange(2**32)
    campaign = run(arguments.templates, arguments.tables, seed)
    print(f"seed: {seed} (replay with --seed {seed})")
    print(report(campaign, arguments.templates, arguments.tables, time.perf_counter() - started))
    bad = {"crash", "bad output", "slow", "page: lost rows"} & set(campaign.outcomes)
    bad |= {k for k in campaign.outcomes if k.startswith("page: crash")}
    for outcome in sorted(bad):
        print(f"\nexample of {outcome}:\n{campaign.examples[outcome][:2000]}")
    for problem in campaign.mypy[:20]:
        print(f"mypy: {problem}")
    return 1 if bad or campaign.mypy else 0


if __name__ == "__main__":
    sys.exit(main())
