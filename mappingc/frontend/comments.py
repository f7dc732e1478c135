"""Comments of a DSL file, found the way the lexer finds them: a `#` outside strings starts one."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Line:
    code: str  # without its comment, trailing spaces stripped, indentation as written
    comment: str | None  # `# …`, trailing spaces stripped
    comment_offset: int = 0  # spaces between the code and the comment


def split_comments(text: str) -> list[Line]:
    """Each line's code and comment: a `#` starts a comment outside strings ("…", '…' in OData
    filters, and \"\"\"…\"\"\" blocks, which span lines)."""
    found: list[Line] = []
    state = ""  # "", '"', "'", '"""'
    for line in text.split("\n"):
        if not state and not any(c in line for c in "#\"'"):
            code = line.rstrip()  # most lines: nothing to scan for
            found.append(Line(code, None, len(line) - len(code)))
            continue
        index, code_end, comment = 0, len(line), None
        while index < len(line):
            if state == '"""':
                closing = line.find('"""', index)
                if closing < 0:
                    break
                state, index = "", closing + 3
                continue
            char = line[index]
            if state:
                if char == "\\" and state == '"':
                    index += 2
                    continue
                if char == state:
                    state = ""
            elif line.startswith('"""', index):
                state, index = '"""', index + 3
                continue
            elif char in "\"'":
                state = char
            elif char == "#":
                code_end, comment = index, line[index:].rstrip()
                break
            index += 1
        if state in "\"'" and state:
            state = ""  # a quote does not continue onto the next line
        code = line[:code_end].rstrip()
        found.append(Line(code, comment, code_end - len(code)))
    return found
