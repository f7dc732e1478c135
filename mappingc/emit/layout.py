"""The layout planner: black over the generated modules, where the layout depends on the data.

The module template writes black's layout itself (quotes, blank lines, brackets, trailing
commas), so a statement whose lines all fit the line length is already what black makes of it;
tests/test_formatting.py proves that for the whole catalog and for random templates. What the
template cannot lay out is a line the data makes too long (or a trailing space). Black gets the
smallest piece that holds such a line and that it lays out the same way on its own: one element
of a collection written one element per line, one statement of a class body, else the top-level
statement. Black costs ~0.1 ms per line it reads and ~1 ms per line it has to split, so giving
it a few hundred lines instead of the catalog's ~45,000 is what makes a cold build of the catalog
take under two seconds instead of ten. `everything=True` runs black over the whole module: the
tests' reference.
"""

from __future__ import annotations

import black

from mappingc.emit.literals import LINE_LENGTH

MODE = black.Mode(target_versions={black.mode.TargetVersion.PY311}, line_length=LINE_LENGTH)

# A line starting with one of these continues the statement above it (an indented body, or the
# closing bracket of a statement written over several lines).
_CONTINUATION = (" ", "\t", ")", "]", "}")


def _lines(text: str) -> list[str]:
    """Lines with their newline; only `\\n` ends a line (`str.splitlines` also splits at
    characters that Python source may hold inside strings)."""
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    return lines if lines[-1] else lines[:-1]


def top_level_statements(source: str) -> list[str]:
    """`source` cut into top-level statements (comments above one belong to it) and the blank
    lines between them; joined, the pieces are `source` again."""
    lines = _lines(source)
    pieces: list[str] = []
    start = 0
    if source.startswith('"""'):  # the module docstring, whose lines start at column 0
        closing = source.find('"""', 3)
        start = len(lines) if closing < 0 else source.count("\n", 0, closing) + 1
        pieces.append("".join(lines[:start]))
    current: list[str] = []
    blank: list[str] = []
    in_string = False  # inside a triple-quoted string, whose lines start anywhere
    for line in lines[start:]:
        if not line.strip():
            blank.append(line)
            continue
        opens_statement = (
            not in_string
            and not line.startswith(_CONTINUATION)
            and not (current and not blank and all(c.startswith(("#", "@")) for c in current))
        )
        if opens_statement:
            if current:
                pieces.append("".join(current))
            if blank:
                pieces.append("".join(blank))
            current, blank = [line], []
            in_string = line.count('"""') % 2 == 1
        else:
            current.extend(blank)
            current.append(line)
            blank = []
            in_string ^= line.count('"""') % 2 == 1
    pieces.extend("".join(part) for part in (current, blank) if part)
    return pieces


def _laid_out(statement: str) -> bool:
    """Whether the template's layout of `statement` is black's: nothing too long, nothing
    trailing."""
    return all(len(line) <= LINE_LENGTH and line == line.rstrip() for line in statement.split("\n"))


_DEEPER_OR_CLOSING = ("     ", "    )", "    ]", "    }")


def _parts(body: list[str]) -> list[list[str]] | None:
    """The lines of a block cut into its statements or elements (each starts at indent 4 and
    takes the deeper lines below it) and blank lines; None if the block is not that simple."""
    parts: list[list[str]] = []
    for line in body:
        if line.count('"""') % 2:  # a docstring over several lines: black sees it whole
            return None
        opens_part = line.startswith("    ") and not line.startswith(_DEEPER_OR_CLOSING)
        if opens_part or not line.strip():
            parts.append([line])
        elif parts and parts[-1][0].strip():
            parts[-1].append(line)
        else:
            return None
    return parts


# Black lays out an element of a collection written one element per line, or a statement of a
# class body, the same way in any such collection or class. So the parts that need black are
# formatted inside stand-ins: all of a module's elements in one list or dict (one black call),
# each class statement in a class of its own (black puts blank lines after class docstrings).
_LIST, _DICT, _CLASS = "_ = [\n", "_ = {\n", "class _:\n"
_STAND_IN = {"(": _LIST, "[": _LIST, "{": _DICT}
_CLOSING = {_LIST: "]\n", _DICT: "}\n", _CLASS: ""}


def _black(source: str) -> str:
    return black.format_str(source, mode=MODE)


def _blackened_in(stand_in: str, parts: list[str]) -> list[str]:
    """`parts` as black lays them out inside `stand_in`, in order."""
    if stand_in == _CLASS:
        return ["".join(_lines(_black(stand_in + part))[1:]) for part in parts]
    lines = _lines(_black(stand_in + "".join(parts) + _CLOSING[stand_in]))[1:-1]
    formatted = _parts(lines)
    assert formatted is not None and len(formatted) == len(parts), "black kept one per line"
    return ["".join(part) for part in formatted]


# What a statement becomes: its text, or (stand-in, head, parts, tail) where each part is kept
# as it is (str) or replaced by black's layout of it (an index into the stand-in's batch).
_Plan = str | tuple[str, list[str], list[str | int], list[str]]


def _plan(piece: str, batches: dict[str, list[str]]) -> _Plan:
    """How `piece` (a top-level statement with the comments above it) gets black's layout."""
    if _laid_out(piece.rstrip("\n")):
        return piece
    lines = _lines(piece)
    comments = 0
    while comments < len(lines) and lines[comments].startswith("#"):
        comments += 1
    if comments == len(lines):
        return _black(piece)
    head, first = lines[: comments + 1], lines[comments].rstrip("\n")
    if first.startswith("class ") and first.endswith(":"):
        body, tail, stand_in = lines[comments + 1 :], [], _CLASS
    elif first.endswith(("(", "[", "{")) and lines[-1].startswith((")", "]", "}")):
        body, tail, stand_in = lines[comments + 1 : -1], lines[-1:], _STAND_IN[first[-1]]
    else:
        return _black(piece)
    parts = _parts(body)
    if parts is None or not _laid_out("".join(head + tail).rstrip("\n")):
        return _black(piece)
    planned: list[str | int] = []
    for part in parts:
        text = "".join(part)
        if _laid_out(text.rstrip("\n")):
            planned.append(text)
        elif all(line.lstrip().startswith("#") for line in part):
            return _black(piece)  # a comment alone is no statement: black sees it in place
        else:
            planned.append(len(batches.setdefault(stand_in, [])))
            batches[stand_in].append(text)
    return stand_in, head, planned, tail


def format_module(source: str, everything: bool = False) -> str:
    """`source` as black lays it out; black sees only the statements that need it."""
    if everything:
        return _black(source)
    batches: dict[str, list[str]] = {}
    plans = [_plan(piece, batches) for piece in top_level_statements(source)]
    done = {stand_in: _blackened_in(stand_in, parts) for stand_in, parts in batches.items()}
    out: list[str] = []
    for plan in plans:
        if isinstance(plan, str):
            out.append(plan)
            continue
        stand_in, head, planned, tail = plan
        out.extend(head)
        out.extend(p if isinstance(p, str) else done[stand_in][p] for p in planned)
        out.extend(tail)
    return "".join(out)
