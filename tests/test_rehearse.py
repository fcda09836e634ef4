"""`make rehearse` (ops/rehearse): its counts are the scenario tests' counts for the same sequences,
its failures end as README's "When a deploy fails" table says, and it prints nothing that looks
like a real account's ARN without saying it is simulated.

Each sequence is played twice: once by `rehearse` and once as the scenario tests play it (a
world of `tests/scenarios/world.py`, the same fake's fault injection a scenario test uses); the
two call logs must agree, call by call kind.
"""

from __future__ import annotations

import io
import os
import re
from collections import Counter
from collections.abc import Callable
from functools import cache
from typing import Any

import pytest
from rich.console import Console

from ops.rehearse import faults
from ops.rehearse.__main__ import main
from ops.rehearse.play import Ledger, Rehearsal, rehearse
from ops.rehearse.render import rehearsal_screen, writes
from simulation.personalize import ACCOUNT, DEFAULT_METRICS
from tests.scenarios import measure
from tests.scenarios.world import CAMPAIGN_NAME, World, open_world, templates
from tests.support import synth

NDCG10 = "normalized_discounted_cumulative_gain_at_10"
STACK = "TestStack"  # the scenario world's stack name: owner tags, and so the calls, are the same
Arm = Callable[[World], None]


@cache
def rehearsed(head: str, base: str | None = None, fault: str | None = None) -> Rehearsal:
    """One rehearsal per sequence per process (templates by `templates.<name>`)."""
    return rehearse(
        getattr(templates, head)(),
        stack=STACK,
        base=getattr(templates, base)() if base else None,
        fault=fault,
        assemblies=synth.assemblies,
    )


def scenario(head: str, base: str | None = None, arm: Arm | None = None) -> tuple[World, Counter[str]]:
    """The sequence as a scenario test plays it: calls by kind of the last deploy, failed ones too."""
    with open_world() as world:
        if base:
            assert world.deploy(getattr(templates, base)()).ok
        if arm:
            arm(world)
        mark = world.mark()
        world.deploy(getattr(templates, head)())
        return world, Counter(c.operation for c in world.calls(mark, only_ok=False))


def by_kind(rehearsal: Rehearsal) -> Counter[str]:
    return Counter(c.operation for c in rehearsal.calls)


def served(rehearsal: Rehearsal) -> dict[str, str]:
    return {c.name: rehearsal.version_names[c.version_arn] for c in rehearsal.campaigns}


# ---- the same counts as the scenario tests ----------------------------------------------------
def test_a_first_deploy_rehearses_the_calls_the_scenario_makes() -> None:
    # GIVEN the default config / WHEN rehearsed, and deployed as the scenarios deploy it
    rehearsal = rehearsed("default")
    world, counts = scenario("default")
    # THEN the calls by kind, the trainings and the writes are the scenario's
    assert rehearsal.result.status == "CREATE_COMPLETE"
    assert by_kind(rehearsal) == counts
    assert len(rehearsal.trainings) == len(world.created_versions()) == 2
    # AND the writes are what tests/scenarios/measure.py counts for a first deploy
    measured = measure.mutating_calls(
        templates.default(), templates.tps_changed(), templates.trigger_changed()
    )
    assert writes(rehearsal) == measured["first_deploy"]
    # AND what bills afterwards is the one declared campaign at its TPS floor, serving v1
    assert [(c.name, c.min_provisioned_tps) for c in rehearsal.campaigns] == [(CAMPAIGN_NAME, 1)]
    assert served(rehearsal)[CAMPAIGN_NAME].startswith("cdk-full-v1-")
    assert rehearsal.training_after == []


def test_a_trigger_change_rehearses_one_training_and_one_campaign_update() -> None:
    # GIVEN the default config deployed / WHEN the trigger change is rehearsed, and played
    rehearsal = rehearsed("trigger_changed", "default")
    _, counts = scenario("trigger_changed", "default")
    # THEN one training and one campaign update, as test_trigger_change_trains_exactly_one_version
    assert rehearsal.result.status == "UPDATE_COMPLETE"
    assert by_kind(rehearsal) == counts
    assert len(rehearsal.trainings) == counts["CreateSolutionVersion"] == 1
    assert by_kind(rehearsal)["UpdateCampaign"] == counts["UpdateCampaign"] == 1
    assert served(rehearsal)[CAMPAIGN_NAME].startswith("cdk-full-v2-")


def test_fails_when_the_gate_fails_and_the_campaign_keeps_its_old_version() -> None:
    # GIVEN the default config deployed / WHEN a trigger change is rehearsed with FAIL=gate,
    # and played as test_fails_when_a_gate_fails plays it (NDCG@10 under its 0.05 gate)
    rehearsal = rehearsed("trigger_changed", "default", "gate")

    def low(world: World) -> None:
        world.fake.metrics_for_next_versions = {**DEFAULT_METRICS, NDCG10: 0.0312}

    _, counts = scenario("trigger_changed", "default", low)
    # THEN it rolls back as README's row says, with the scenario's calls and no campaign update
    assert rehearsal.result.status == faults.FAULTS["gate"].ends(change=True) == "UPDATE_ROLLBACK_COMPLETE"
    assert by_kind(rehearsal) == counts
    assert counts["UpdateCampaign"] == 0
    assert rehearsal.gates[0].failures and rehearsal.gates[0].failures[0].metric == NDCG10
    # AND the campaign still serves the v1 version; the v2 version is ACTIVE, never served
    assert served(rehearsal)[CAMPAIGN_NAME].startswith("cdk-full-v1-")
    assert any(name.startswith("cdk-full-v2-") for name in rehearsal.version_names.values())


def test_fails_when_training_fails_on_a_first_deploy_and_nothing_is_left() -> None:
    # GIVEN an empty account / WHEN a first deploy is rehearsed with FAIL=training, and played
    # as test_fails_when_training_fails plays it (the fake fails the next version)
    rehearsal = rehearsed("default", None, "training")
    _, counts = scenario("default", None, lambda w: w.fake.fail_next_training("injected"))
    # THEN it rolls back as README's row says, with the scenario's calls, no campaign created
    assert rehearsal.result.status == faults.FAULTS["training"].ends(change=False) == "ROLLBACK_COMPLETE"
    assert by_kind(rehearsal) == counts
    assert counts["CreateCampaign"] == 0
    # AND nothing bills afterwards
    assert rehearsal.campaigns == [] and rehearsal.training_after == []


def test_fails_when_a_campaign_create_fails_on_a_first_deploy_and_nothing_is_left() -> None:
    # GIVEN an empty account / WHEN a first deploy is rehearsed with FAIL=campaign, and played with
    # the fake's campaign-create failure (as the rollback scenarios inject it)
    rehearsal = rehearsed("default", None, "campaign")
    _, counts = scenario("default", None, lambda w: w.fake.fail_next_campaign_create("injected"))
    # THEN it rolls back as README's row says, with the scenario's calls; nothing bills afterwards
    assert rehearsal.result.status == faults.FAULTS["campaign"].ends(change=False) == "ROLLBACK_COMPLETE"
    assert rehearsal.result.failure is not None
    assert "FAIL=campaign" in rehearsal.result.failure.reason
    assert by_kind(rehearsal) == counts
    assert rehearsal.campaigns == [] and rehearsal.training_after == []


def test_the_rehearsals_own_reads_are_not_counted() -> None:
    # GIVEN a world and a ledger from now on
    with open_world() as world:
        ledger = Ledger(world)
        world.admin.list_solutions()
        # WHEN the rehearsal reads the account aside
        with ledger.aside():
            world.admin.list_campaigns()
        world.admin.list_filters()
        # THEN only the calls outside the aside block count
        assert [c.operation for c in ledger.calls()] == ["ListSolutions", "ListFilters"]


def test_the_simulated_account_sets_the_shells_aws_settings_aside(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a shell with a profile, a session token and a global endpoint of a real account
    monkeypatch.setenv("AWS_PROFILE", "prod-admin")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "real-token")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "https://example.invalid")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIA-REAL")
    # WHEN a rehearsal's world is open
    with open_world() as world:
        inside = {
            key: os.environ.get(key) for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL")
        }
        endpoint = world.admin.meta.endpoint_url
        key = os.environ["AWS_ACCESS_KEY_ID"]
    # THEN none of them is seen, the keys are dummies, Personalize is the local fake
    assert inside == {"AWS_PROFILE": None, "AWS_SESSION_TOKEN": None, "AWS_ENDPOINT_URL": None}
    assert key != "AKIA-REAL" and endpoint.startswith("http://127.0.0.1:")
    # AND the shell gets them back afterwards
    assert os.environ["AWS_PROFILE"] == "prod-admin"


# ---- the example and README -------------------------------------------------------------------
def test_the_example_head_config_is_the_scenarios_trigger_change() -> None:
    # GIVEN config/examples/trigger-v2.yaml (README's BASE_CONFIG/CONFIG example)
    # WHEN synthesized THEN its template is the one the trigger-change scenarios deploy
    assert (
        synth.template(synth.REPO / "config" / "examples" / "trigger-v2.yaml") == templates.trigger_changed()
    )


@pytest.mark.parametrize("key", sorted(faults.FAULTS))
def test_readme_carries_each_rehearsed_failures_row(key: str) -> None:
    # GIVEN README's "When a deploy fails" table / THEN it has the row `make rehearse` quotes
    assert faults.FAULTS[key].row() in (synth.REPO / "README.md").read_text()


@pytest.mark.parametrize("key", sorted(faults.FAULTS))
@pytest.mark.parametrize("change", [False, True], ids=["first_deploy", "trigger_change"])
def test_fails_as_readme_says_for_each_rehearsed_failure(key: str, change: bool) -> None:
    # GIVEN an empty account, or one with the default config deployed
    # WHEN a first deploy, or the trigger change, is rehearsed with FAIL=key
    rehearsal = rehearsed("trigger_changed", "default", key) if change else rehearsed("default", None, key)
    # THEN it ends as README's row says, on the injected failure
    assert rehearsal.result.status == faults.FAULTS[key].ends(change=change)
    assert rehearsal.result.failure is not None
    assert f"FAIL={key}" in rehearsal.result.failure.reason or key == "gate"
    # AND what is left: the campaign on its old version (a change), or nothing that bills (first)
    assert rehearsal.training_after == []
    if change:
        assert served(rehearsal) == {CAMPAIGN_NAME: served(rehearsed("default"))[CAMPAIGN_NAME]}
    else:
        assert rehearsal.campaigns == []


def test_fails_when_fail_gate_meets_a_config_without_gates() -> None:
    # GIVEN the default template with every gate taken out
    template: dict[str, Any] = templates.default()
    stripped = {
        "Resources": {
            lid: {**body, "Properties": {**body.get("Properties", {}), "Gates": "{}"}}
            if "Gates" in body.get("Properties", {})
            else body
            for lid, body in template["Resources"].items()
        }
    }
    # WHEN FAIL=gate asks for metrics below the gates THEN it says what to set
    with pytest.raises(faults.FaultError, match=r"solutions\[\]\.training\.gates"):
        faults.below_gates(stripped)


# ---- the command --------------------------------------------------------------------------------
def test_the_command_prints_timeline_status_and_summary_all_simulated(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN the default config / WHEN `make rehearse` runs it (a status screen at minute 30)
    code = main(["--config", str(synth.DEFAULT_CONFIG), "--width", "160", "--status-at", "30"])
    out = capsys.readouterr().out
    # THEN it prints the timeline, the status screen, the summary, and says it is simulated
    assert code == 0
    for shown in ("Timeline", "What happened", "`make status` at 30 min", "Summary", "bills afterwards"):
        assert shown in out
    assert f"SIMULATED account {ACCOUNT}" in out
    assert "Simulated durations, not a forecast" in out
    # AND every ARN it prints is in the simulated account
    assert {arn.split(":")[4] for arn in re.findall(r"arn:aws:[a-z-]+:[a-z0-9-]*:\d*", out)} <= {"", ACCOUNT}


def test_fails_when_the_gate_fails_the_screen_shows_the_rollback_and_the_old_version_serving() -> None:
    # GIVEN the trigger change rehearsed with FAIL=gate
    rehearsal = rehearsed("trigger_changed", "default", "gate")
    # WHEN it is printed
    console = Console(file=io.StringIO(), width=200)
    console.print(rehearsal_screen(rehearsal, "head.yaml", "base.yaml", console.width))
    out = " ".join(console.file.getvalue().split())  # type: ignore[attr-defined]
    # THEN the failed gate, the rollback, README's words and the campaign on v1 are all there
    assert f"{NDCG10} = 0.0250 < 0.05 FAILS" in out
    assert "stack UPDATE_ROLLBACK_IN_PROGRESS" in out
    assert f"README says: ends UPDATE_ROLLBACK_COMPLETE; what is left: {faults.FAULTS['gate'].left}" in out
    assert "this rehearsal: ends UPDATE_ROLLBACK_COMPLETE" in out
    assert f"campaign {CAMPAIGN_NAME}: min 1 TPS (ACTIVE), serving cdk-full-v1-" in out


def test_fails_when_the_config_file_does_not_exist(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN no such file / WHEN rehearsed / THEN one line and exit 1
    assert main(["--config", "no/such/config.yaml"]) == 1
    assert capsys.readouterr().err.strip() == "no/such/config.yaml: no such config file"
