"""Characters people cannot see: which ones mappingc refuses in text, and how to name them."""

from __future__ import annotations

import unicodedata

# Control characters have no Unicode name; these are the ones people meet.
_CONTROL_NAMES = {
    0x00: "NULL",
    0x07: "BELL",
    0x08: "BACKSPACE",
    0x09: "CHARACTER TABULATION",
    0x0A: "LINE FEED",
    0x0B: "LINE TABULATION",
    0x0C: "FORM FEED",
    0x0D: "CARRIAGE RETURN",
    0x1B: "ESCAPE",
    0x7F: "DELETE",
    0x85: "NEXT LINE",
}
# Overrides and isolates that make text display in another order than it is stored in.
_BIDI_CONTROLS = {*range(0x202A, 0x202F), *range(0x2066, 0x206A)}


def describe(char: str) -> str:
    """`U+000C FORM FEED`, `U+0421 CYRILLIC CAPITAL LETTER ES`."""
    point = ord(char)
    name = _CONTROL_NAMES.get(point) or unicodedata.name(char, "")
    if not name and unicodedata.category(char) == "Cc":
        name = "a control character"
    return f"U+{point:04X} {name}".rstrip()


def hidden(char: str, allow: str = "") -> bool:
    """Whether `char` is one that text must not hold: control characters, line and paragraph
    separators, byte-order marks, bidirectional overrides (except those in `allow`)."""
    if char in allow:
        return False
    point = ord(char)
    return (
        unicodedata.category(char) in {"Cc", "Zl", "Zp"}
        or point == 0xFEFF
        or point in _BIDI_CONTROLS
    )


def visible(text: str) -> str:
    """`text` with every hidden character written as an escape, for comments and messages."""
    out = []
    for char in text:
        if char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif hidden(char):
            point = ord(char)
            out.append(f"\\x{point:02x}" if point < 0x100 else f"\\u{point:04x}")
        else:
            out.append(char)
    return "".join(out)
