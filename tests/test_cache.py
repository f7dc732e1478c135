"""`.mappingc-cache/build.json`: what makes a build a no-op, and what it reads to know."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mappingc import cache as cache_module
from mappingc.cache import Cache


@pytest.fixture
def tree(tmp_path: Path) -> tuple[Path, Path]:
    mappings, out = tmp_path / "mappings", tmp_path / "out"
    (mappings / "area").mkdir(parents=True)
    (mappings / "area" / "a.dwmap").write_text("template a {}\n", encoding="utf-8")
    (mappings / "b.dwmap").write_text("template b {}\n", encoding="utf-8")
    (out / "sync").mkdir(parents=True)
    return mappings, out


def build(root: Path, mappings: Path, out: Path, files: dict[str, str]) -> str:
    """What `mappingc build` does with the cache: fingerprint, write, record."""
    cache = Cache(root)
    key = cache.fingerprint(mappings, None)
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8")
    cache.record(key, out, files)
    return key


FILES = {"sync/a.py": "A = 1\n", "manifest.json": "{}\n"}


def counting_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    reads: list[str] = []
    real = cache_module._content_hash

    def spy(path: str) -> str:
        reads.append(os.path.basename(path))
        return real(path)

    monkeypatch.setattr(cache_module, "_content_hash", spy)
    return reads


def test_an_unchanged_tree_is_a_no_op_that_reads_no_file(
    tree: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mappings, out = tree
    key = build(tmp_path / "cache", mappings, out, FILES)
    reads = counting_reads(monkeypatch)
    again = Cache(tmp_path / "cache")
    assert again.fingerprint(mappings, None) == key
    assert again.up_to_date(key, out)
    assert reads == []


def test_an_edit_of_the_same_size_changes_the_fingerprint(
    tree: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mappings, out = tree
    key = build(tmp_path / "cache", mappings, out, FILES)
    source = mappings / "b.dwmap"
    source.write_text("template c {}\n", encoding="utf-8")
    os.utime(source, ns=(source.stat().st_atime_ns, source.stat().st_mtime_ns + 1_000_000))
    reads = counting_reads(monkeypatch)
    assert Cache(tmp_path / "cache").fingerprint(mappings, None) != key
    assert reads == ["b.dwmap"]


def test_output_edited_deleted_or_added_is_not_up_to_date(
    tree: tuple[Path, Path], tmp_path: Path
) -> None:
    mappings, out = tree
    key = build(tmp_path / "cache", mappings, out, FILES)
    module = out / "sync" / "a.py"
    module.write_text("A = 2\n", encoding="utf-8")
    assert not Cache(tmp_path / "cache").up_to_date(key, out)
    module.write_text("A = 1\n", encoding="utf-8")  # same bytes again, a new time: re-read
    assert Cache(tmp_path / "cache").up_to_date(key, out)
    (out / "stray.txt").write_text("x\n", encoding="utf-8")
    assert not Cache(tmp_path / "cache").up_to_date(key, out)
    (out / "stray.txt").unlink()
    (out / "manifest.json").unlink()
    assert not Cache(tmp_path / "cache").up_to_date(key, out)


def test_another_output_folder_is_not_up_to_date(tree: tuple[Path, Path], tmp_path: Path) -> None:
    mappings, out = tree
    key = build(tmp_path / "cache", mappings, out, FILES)
    assert not Cache(tmp_path / "cache").up_to_date(key, tmp_path / "elsewhere")
