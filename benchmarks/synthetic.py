"""Synthetic catalogs of any size, made from the real one (shared by benchmarks and the scaling
test): copies of the imported templates under new names, so that they are as varied as the
real ones."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def catalog_texts(count: int, kinds: int | None = None) -> list[tuple[str, str]]:
    """`count` templates as (file name, text), renamed (names, refs, value maps) to be unique;
    copies of `kinds` of the real templates, spread evenly over the catalog (all by default),
    so that catalogs of two sizes with the same `kinds` hold the same mix."""
    originals = sorted((REPO / "mappings" / "dual-write").glob("*.dwmap"))
    if kinds is not None:
        originals = [originals[i * len(originals) // kinds] for i in range(kinds)]
    texts = [p.read_text(encoding="utf-8") for p in originals]
    made = []
    for index in range(count):
        text = texts[index % len(texts)]
        suffix = f"_s{index}"
        text = re.sub(r"^template (\w+)", rf"template \g<1>{suffix}", text, flags=re.M)
        text = re.sub(r"^valuemap (\w+)", rf"valuemap \g<1>S{index}", text, flags=re.M)
        text = re.sub(r" via ([A-Z]\w+)", rf" via \g<1>S{index}", text)
        text = re.sub(r"^    ref \d+\n", "", text, flags=re.M)
        made.append((f"t{index:05}.dwmap", text))
    return made


def write_catalog(target: Path, count: int) -> None:
    target.mkdir(parents=True)
    for name, text in catalog_texts(count):
        (target / name).write_text(text, encoding="utf-8")
