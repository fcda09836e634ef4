"""`make impact` over batch jobs: created, run again (trigger, input, retrained solution), removed."""

import copy
from typing import Any

from ops.impact import prices
from ops.impact.report import personalize_changes
from stacks.config_model.loader import read_merged
from tests.support import synth

EXAMPLE = synth.REPO / "config" / "examples" / "batch.yaml"
PROJECT = "immersion-day-news"


def template(edit=None) -> dict[str, Any]:
    raw, _ = read_merged(EXAMPLE)
    raw = copy.deepcopy(raw)
    if edit:
        edit(raw)
    return synth.template(synth.write_config(raw))["Resources"]


def batch_lines(base: dict[str, Any], head: dict[str, Any]) -> list[str]:
    return [c.line() for c in personalize_changes(base, head, PROJECT) if "batch job" in c.text]


def test_a_new_batch_job_is_created_with_its_cost_line():
    # GIVEN the default config WHEN batch jobs are added THEN each is a create that names its cost
    lines = batch_lines(synth.template()["Resources"], template())
    assert lines == [
        f"- **create**: batch job nightly-lists (recommendations) created: runs once, trigger 2026-12-07; "
        f"{prices.BATCH_LINE}",
        f"- **create**: batch job mailing-segments (segments) created: runs once, trigger december; "
        f"{prices.BATCH_LINE}",
    ]


def test_a_trigger_change_and_a_retrain_run_a_job_again_and_the_others_are_unchanged():
    # GIVEN the batch example WHEN the lists' trigger changes and item-affinity retrains
    def edit(raw):
        raw["batch_jobs"][0]["trigger"] = "2026-12-08"
        raw["solutions"][2]["training"] = {"trigger": "v2"}

    lines = batch_lines(template(), template(edit))
    # THEN both jobs run again, each saying why
    assert lines == [
        f"- **update in place**: batch job nightly-lists (recommendations) runs again "
        f"(trigger 2026-12-07 → 2026-12-08); {prices.BATCH_LINE}",
        f"- **update in place**: batch job mailing-segments (segments) runs again (its solution retrains); "
        f"{prices.BATCH_LINE}",
    ]


def test_a_removed_job_deletes_nothing():
    # GIVEN the batch example WHEN its jobs are removed THEN the report says nothing is deleted
    lines = batch_lines(template(), template(lambda raw: raw.update(batch_jobs=[])))
    assert lines[0] == (
        "- **delete**: batch job nightly-lists (recommendations) removed: nothing deleted (jobs cannot be), "
        "its output stays"
    )
