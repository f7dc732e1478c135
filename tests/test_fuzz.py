"""The fuzz campaign of tests/fuzzing.py with a fixed seed, 11,000 inputs (`make fuzz` runs
20,000 + 5,000 with a fresh seed): every mutated template (names from the corners of Python,
pydantic, the stores and the file systems among the mutations) ends in clean diagnostics or in
output that imports with warnings as errors, maps a sample row both ways through its typed
models, renders and passes mypy --strict, every mutated published page loses no row without
a warning, and no input takes over a second. The counts are asserted, so a campaign that stops
reaching the emitters fails."""

from __future__ import annotations

from fuzzing import SLOW, run

TEMPLATES, TABLES = 8_000, 3_000


def test_a_bounded_fuzz_campaign_has_only_clean_outcomes() -> None:
    campaign = run(TEMPLATES, TABLES, seed=20261202)
    outcomes = campaign.outcomes
    assert set(outcomes) <= {"diagnostics", "output", "page: all rows accounted for"}, {
        k: campaign.examples[k][:1500] for k in outcomes if k not in {"diagnostics", "output"}
    }
    assert outcomes["diagnostics"] + outcomes["output"] == TEMPLATES
    assert outcomes["output"] > TEMPLATES // 5  # the emitters are reached, not only the parser
    assert outcomes["diagnostics"] > TEMPLATES // 5
    assert outcomes["page: all rows accounted for"] == TABLES
    assert campaign.modules > 2_000 and campaign.mypy == []
    assert campaign.rows > 40_000 and campaign.lost == 0
    assert campaign.slowest < SLOW
