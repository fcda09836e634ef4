"""After a gated promotion: `make drift` reports the promoted version as promoted (exit 0), `make
status` shows the checker's last decision, and `make impact` names the auto-training cost and
the checker's schedule."""

from __future__ import annotations

import pytest

from ops.drift.__main__ import IN_SYNC, run
from ops.impact.report import personalize_changes
from ops.impact.template import project_of
from ops.status.collect import collect
from simulation.stack_reader import SimulatedStack
from tests.scenarios.test_auto_promotion import example, promoted
from tests.scenarios.world import World, templates


def test_drift_reports_a_promoted_version_as_promoted_not_drift(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the example deployed and an automatic version promoted over the stack's own
    automatic = promoted(world)
    # WHEN drift runs
    code = run(SimulatedStack(world.sim, world.admin))
    # THEN the campaign's version is listed as promoted and the stack is in sync
    out = capsys.readouterr().out.splitlines()
    assert code == IN_SYNC
    assert out[0].startswith("campaign user-personalization: version declared ")
    assert out[0].endswith(
        f"found {automatic.rsplit('/', 1)[1]} (promoted by the auto-training checker: not drift)"
    )
    assert out[1].startswith("in sync")


def test_status_shows_the_checkers_last_decision(world: World) -> None:
    # GIVEN an automatic version promoted
    automatic = promoted(world)
    # WHEN status is collected
    (campaign,) = collect(SimulatedStack(world.sim, world.admin)).campaigns
    # THEN it shows the decision and the count of holds
    assert (campaign.last_decision, campaign.consecutive_holds) == (f"promoted {automatic}", 0)


def test_impact_names_the_auto_training_cost_and_the_checker() -> None:
    # GIVEN the default config, then the example (auto-training every 7 days, gated promotion)
    base, head = templates.default(), example()
    # WHEN the impact report compares them
    lines = [c.line() for c in personalize_changes(base["Resources"], head["Resources"], project_of(head))]
    # THEN it names one training per period and the daily check
    assert (
        "- **update in place**: solution user-personalization: auto-training off → rate(7 days) (UpdateSolution); "
        "Personalize retrains by itself every 7 days: one training per period (about 52 a year), billed per "
        "training compute hour"
    ) in lines
    assert (
        "- **create**: gated promotion of user-personalization's automatic versions to user-personalization: "
        "checked rate(1 day) (one Lambda run), the campaign moves without a deploy when an automatic version "
        "passes its gates"
    ) in lines
