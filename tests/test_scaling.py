"""The cost of a build per template stays flat as the catalog grows: a check that rescans the
catalog for each template (as one did, 16 ms → 42 ms a template from 194 to 3,880 templates)
fails here before it lands.

Measured in this process on synthetic catalogs made from the real one (benchmarks/synthetic.py):
the front end with every rule and the schema checks, and every emitter; black's formatting is
left out (one call per module, linear by construction, and most of a cold build's time, which
would hide a rule's growth). CPU time of this process, the best of a few runs, with the garbage
collector off while timed: its cost depends on what earlier tests left on the heap (1.36x on a
CI run from that alone), and the command line's own, collector included, is measured end to end
in docs/performance.md (flat from 100 to 10,000 templates).
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Iterator

import pytest

from conftest import REPO
from mappingc import config
from mappingc.build import compile_sources
from mappingc.emit import formatter_pool
from mappingc.frontend import analyse
from mappingc.schemas.index import load as load_schemas

sys.path.insert(0, str(REPO / "benchmarks"))
from synthetic import catalog_texts

SMALL, GROWTH = 30, 20
ALLOWED = 1.3  # cost per template at GROWTH times the catalog, against the small one
RUNS = 3


class _Unformatted(formatter_pool.ModuleFormatter):
    """The modules as rendered: black's cost is the same for each module at any size."""

    def __init__(self, *_: object, **__: object) -> None:
        self.sources: dict[str, str] = {}

    def __exit__(self, *exc_info: object) -> None:
        pass

    def submit(self, name: str, source: str) -> None:
        self.sources[name] = source

    def results(self) -> dict[str, str]:
        return dict(self.sources)


@pytest.fixture
def collector_off() -> Iterator[None]:
    gc.collect()
    gc.disable()
    yield
    gc.enable()


def _costs_per_template(count: int) -> tuple[float, float]:
    """CPU seconds a template of the front end alone (parse, lower, every rule, the schema
    checks), and of the whole build in memory, at `count` templates: the front end's share is
    small, so a rule that grows is measured on its own, where it shows."""
    # Where the real catalog lives, under its lint settings.
    # The same mix of the real templates at both sizes.
    made = catalog_texts(count, kinds=SMALL)
    sources = [(f"mappings/dual-write/{name}", text) for name, text in made]
    schemas, _ = load_schemas(REPO / "schemas")
    ignores = config.load(REPO).ignores
    front, whole = float("inf"), float("inf")
    for _ in range(RUNS):
        started = time.process_time()
        analyse(sources, ignores, schemas=schemas)
        front = min(front, time.process_time() - started)
        started = time.process_time()
        result = compile_sources(sources, REPO / "locales", ignores=ignores, schemas=schemas)
        whole = min(whole, time.process_time() - started)
        assert result.ok, result.render_diagnostics()[:2000]
        del result
        gc.collect()  # off while timed, so collected between runs
    return front / count, whole / count


def test_a_build_costs_the_same_per_template_at_twenty_times_the_catalog(
    monkeypatch: pytest.MonkeyPatch, collector_off: None
) -> None:
    monkeypatch.setattr(formatter_pool, "ModuleFormatter", _Unformatted)
    small = _costs_per_template(SMALL)
    large = _costs_per_template(SMALL * GROWTH)
    for part, at_small, at_large in zip(("front end", "build"), small, large, strict=True):
        assert at_large <= ALLOWED * at_small, (
            f"the {part}: {1000 * at_small:.2f} ms a template at {SMALL} templates, "
            f"{1000 * at_large:.2f} ms at {SMALL * GROWTH}: some step grows with the catalog "
            "for each template"
        )
