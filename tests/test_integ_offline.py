"""The integration test's offline half (runs in `make test`): its template snapshot, and its
leftover check against the fake Personalize after a simulated deploy and destroy.

After an intended change to the integ template, rewrite the snapshot:

    UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/test_integ_offline.py
"""

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from integ.leftovers import leftovers, wait_until_gone
from simulation.personalize import Durations
from stacks.config_model import load_config
from tests.scenarios.world import open_world
from tests.support import synth

CONFIG = synth.REPO / "integ" / "config.yaml"
SNAPSHOT = synth.REPO / "integ" / "snapshots" / "integ.template.json"
ASSET_HASH = re.compile(r"\b[0-9a-f]{64}\b")


def masked(template: dict[str, Any]) -> str:
    """The template as committed: asset hashes masked (a handler edit is not a template change;
    determinism is the double synth's job, tests/test_determinism.py)."""
    return ASSET_HASH.sub("<asset-hash>", json.dumps(template, indent=1, sort_keys=True)) + "\n"


@pytest.fixture(scope="module")
def integ_template() -> dict[str, Any]:
    return synth.template(CONFIG)


def test_integ_template_matches_its_snapshot(integ_template: dict[str, Any]) -> None:
    # GIVEN integ/config.yaml synthesized WHEN compared with the committed snapshot
    text = masked(integ_template)
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(text)
    # THEN they are the same (a template change the snapshot does not show fails here)
    assert text == Path(SNAPSHOT).read_text()


def test_integ_config_is_one_solution_one_campaign_tagged_for_the_leftover_check(
    integ_template: dict[str, Any],
) -> None:
    config = load_config(CONFIG)
    assert [s.name for s in config.solutions] == ["user-personalization"]
    assert [c.name for c in config.campaigns] == ["user-personalization"]
    assert config.tags["integ-run"] == config.project == "personalize-cdk-integ"
    assert integ_template["Metadata"]["PersonalizeCdk"]["project"] == "personalize-cdk-integ"


def test_leftover_check_finds_nothing_after_a_simulated_deploy_and_destroy(
    integ_template: dict[str, Any],
) -> None:
    # GIVEN the integ stack deployed and destroyed in the simulated account
    with open_world(Durations()) as world:
        assert world.deploy(integ_template).ok
        assert leftovers(world.admin, "personalize-cdk-integ")  # it does see the deployed resources
        assert world.sim.delete().status == "DELETE_COMPLETE"
        # WHEN the leftover check runs, waiting on the virtual clock for deletes to finish
        left = wait_until_gone(
            lambda: leftovers(world.admin, "personalize-cdk-integ"),
            timeout=1800,
            interval=60,
            sleep=world.clock.advance,
        )
    # THEN nothing of the project is left
    assert left == []


def test_fails_when_a_resource_of_the_project_is_left() -> None:
    # GIVEN a solution of the project that outlived the stack (seeded in the fake)
    with open_world(Durations()) as world:
        group = world.fake.seed_dataset_group("personalize-cdk-integ-news")
        solution = world.fake.seed_solution(group, "personalize-cdk-integ-user-personalization")
        # WHEN the leftover check runs with a short patience
        left = wait_until_gone(
            lambda: leftovers(world.admin, "personalize-cdk-integ"),
            timeout=120,
            interval=60,
            sleep=world.clock.advance,
        )
    # THEN it names them
    assert left == sorted([group, solution])
