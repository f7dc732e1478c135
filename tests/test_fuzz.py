"""The fuzz campaign of tests/fuzzing.py on a bounded budget (`make fuzz` runs 10,000 + 3,000):
every mutated template ends in clean diagnostics or in output that imports, renders and passes
mypy --strict, every mutated published page loses no row without a warning, and no input takes
over a second. The counts are asserted, so a campaign that stops reaching the emitters fails."""

from __future__ import annotations

from fuzzing import SLOW, run

TEMPLATES, TABLES = 2_500, 1_500


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
    assert campaign.modules > 500 and campaign.mypy == []
    assert campaign.rows > 20_000 and campaign.lost == 0
    assert campaign.slowest < SLOW
