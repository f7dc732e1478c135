"""Formatting many generated modules at once: cached results reused, the rest on every core.

What black is asked to do to one module is `mappingc.emit.layout`'s business; this module only
decides where that work runs and what of it can be skipped.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import os
from importlib import metadata
from pathlib import Path

from mappingc.cache import Cache
from mappingc.emit import layout
from mappingc.emit.layout import MODE, format_module

# Results depend on the layout planner's rules as much as on black: cached ones are keyed by both.
_OWN_VERSION = hashlib.sha256(Path(layout.__file__).read_bytes()).hexdigest()[:16]

# Below this many modules to format, starting worker processes costs more than it saves.
_PARALLEL_FROM = 64


class ModuleFormatter:
    """`format_module` over many modules: cached results are reused, and the rest are spread
    over the machine's cores while the caller goes on (rendering docs) until `results()`.

        with ModuleFormatter(cache, expected=len(templates)) as formatter:
            formatter.submit(path, source)   # for each module
            ...                              # other work, in parallel with formatting
            formatted = formatter.results()  # {path: text}, in the order submitted
    """

    def __init__(self, cache: Cache | None = None, expected: int = 0) -> None:
        self.cache = cache
        self.mode = f"{metadata.version('black')} {MODE!r} {_OWN_VERSION}"
        self.keys: dict[str, str] = {}
        self.done: dict[str, str] = {}
        self.pending: dict[str, str | concurrent.futures.Future[str]] = {}
        workers = min(os.cpu_count() or 1, expected // _PARALLEL_FROM)
        self.pool = concurrent.futures.ProcessPoolExecutor(workers) if workers > 1 else None

    def __enter__(self) -> ModuleFormatter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)

    def submit(self, name: str, source: str) -> None:
        key = self.keys[name] = hashlib.sha256(f"{self.mode}\0{source}".encode()).hexdigest()
        if self.cache is not None and (hit := self.cache.formatted(key)) is not None:
            self.done[name] = hit
        elif self.pool is not None:
            self.pending[name] = self.pool.submit(format_module, source)
        else:
            self.pending[name] = source

    def results(self) -> dict[str, str]:
        for name, work in self.pending.items():
            self.done[name] = format_module(work) if isinstance(work, str) else work.result()
            if self.cache is not None:
                self.cache.store_formatted(self.keys[name], self.done[name])
        self.pending.clear()
        return {name: self.done[name] for name in self.keys}
