"""The `deployed` fixture forks one first deploy per process (`World.snapshot` / `World.restore`).

Every scenario starting from `deployed` trusts that a restored account is the deployed one:
same clock, same Personalize resources and call log, same stack as CloudFormation records it,
same S3 objects, and the same next deploy.
"""

from __future__ import annotations

from typing import Any

from tests.scenarios.world import Snapshot, open_world, templates


def _next_deploy(snapshot: Snapshot | None, default_template: dict[str, Any]) -> tuple[str, Snapshot]:
    """A retrain (trigger change) deployed on the default stack, deployed or restored first."""
    with open_world() as world:
        if snapshot is None:
            assert world.deploy(default_template).status == "CREATE_COMPLETE"
        else:
            world.restore(snapshot)
        status = world.deploy(templates.trigger_changed()).status
        return status, world.snapshot()


def test_a_restored_account_is_the_deployed_one_and_deploys_the_same(
    first_deploy: Snapshot, default_template: dict[str, Any]
) -> None:
    # GIVEN an account deployed from scratch, and one restored from the fixture's snapshot
    # WHEN each deploys the same retrain
    deployed_status, deployed_after = _next_deploy(None, default_template)
    restored_status, restored_after = _next_deploy(first_deploy, default_template)
    # THEN both end alike: clock, Personalize state and call log, the stack, and S3
    assert deployed_status == restored_status == "UPDATE_COMPLETE"
    assert restored_after.now == deployed_after.now
    assert restored_after.personalize == deployed_after.personalize
    assert restored_after.stack == deployed_after.stack
    assert restored_after.buckets == deployed_after.buckets
    # AND what they agree on is the retrain: two first trainings and one more, on a live stack
    calls = restored_after.personalize["calls"]
    assert sum(c.operation == "CreateSolutionVersion" and c.ok for c in calls) == 3
    assert restored_after.stack["status"] == "UPDATE_COMPLETE"
    assert len(restored_after.buckets) == 2
