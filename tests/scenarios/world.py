"""The scenario tests' account: the simulated world (`simulation/world.py`) with this repo's
synthesized assemblies, the default config's logical ids and names, and small variants of it.

Config variants of the default config (`templates.*`) are synthesized once per process
through `tests.support.synth` (its cache is keyed by the variant's content-named file).
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Mapping
from functools import cache
from typing import Any, Final

from simulation import world as simulated
from simulation.clients import ENDPOINT_ENV, env_vars, s3_on
from simulation.clock import VirtualClock
from simulation.cloudformation.provider import Handler
from simulation.personalize import Durations
from simulation.personalize_server import FakePersonalizeServer
from simulation.world import Snapshot, World
from tests.support import synth

__all__ = ["ENDPOINT_ENV", "Snapshot", "World", "env_vars", "make_world", "open_world", "s3_on", "templates"]

# Logical ids and names of the default config's template.
UP_SOLUTION: Final = "SolutionUserPersonalization"
UP_VERSION: Final = "TrainingUserPersonalizationVersion"
UP_LAST_LINK: Final = "TrainingUserPersonalizationWait4"
PR_VERSION: Final = "TrainingPersonalizedRankingVersion"
CAMPAIGN: Final = "CampaignUserPersonalization"
FILTER: Final = "FilterExcludeClicked"
EVENT_TRACKER: Final = "EventTracker"
UP_SOLUTION_NAME: Final = "immersion-day-news-user-personalization"
PR_SOLUTION_NAME: Final = "immersion-day-news-personalized-ranking"
CAMPAIGN_NAME: Final = "immersion-day-news-user-personalization"
ACCOUNT_PREFIX: Final = "arn:aws:personalize:us-east-1:111111111111"


def arn(kind: str, name: str) -> str:
    return f"{ACCOUNT_PREFIX}:{kind}/{name}"


def open_world(
    durations: Durations | None = None, handlers: tuple[Handler, Handler] | None = None
) -> contextlib.AbstractContextManager[World]:
    """A world for callers without pytest (the benchmark, simulator tests); scenarios use the `world` fixture."""
    return simulated.open_world(durations, handlers, assemblies=synth.assemblies)


def make_world(
    clock: VirtualClock, server: FakePersonalizeServer, handlers: tuple[Handler, Handler] | None = None
) -> World:
    """`simulation.world.make_world`, publishing assets of the assemblies tests synthesized."""
    return simulated.make_world(clock, server, handlers, assemblies=synth.assemblies)


# ---- templates: the default config and small variants of it --------------------------------
def _raw() -> dict[str, Any]:
    return copy.deepcopy(synth.default_raw_config())


def _synth(raw: dict[str, Any]) -> dict[str, Any]:
    return synth.template(synth.write_config(raw))


def _edit(
    *,
    solution: Mapping[str, Any] | None = None,
    training: Mapping[str, Any] | None = None,
    campaign: Mapping[str, Any] | None = None,
    filters: list[dict[str, Any]] | None = None,
    top: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    raw = _raw()
    up = raw["solutions"][0]
    up.update(solution or {})
    up["training"] = {**up.get("training", {}), **(training or {})}
    raw["campaigns"][0].update(campaign or {})
    if filters is not None:
        raw["filters"] = filters
    raw.update(top or {})
    return raw


class templates:  # noqa: N801 - a namespace of cached template builders
    """The templates the scenarios deploy; each is synthesized at most once per process."""

    @staticmethod
    @cache
    def default() -> dict[str, Any]:
        return synth.template()

    @staticmethod
    @cache
    def trigger_changed() -> dict[str, Any]:
        return _synth(_edit(training={"trigger": "v2"}))

    @staticmethod
    @cache
    def gates_changed() -> dict[str, Any]:
        return _synth(_edit(training={"gates": {"normalized_discounted_cumulative_gain_at_10": 0.1}}))

    @staticmethod
    @cache
    def tps_changed() -> dict[str, Any]:
        return _synth(_edit(campaign={"min_provisioned_tps": 2}))

    @staticmethod
    @cache
    def campaign_renamed() -> dict[str, Any]:
        return _synth(_edit(campaign={"physical_name": RENAMED_CAMPAIGN}))

    @staticmethod
    @cache
    def filter_changed() -> dict[str, Any]:
        expression = 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("click", "view")'
        return _synth(_edit(filters=[{"name": "exclude-clicked", "expression": expression}]))

    @staticmethod
    @cache
    def notebook_adoption() -> dict[str, Any]:
        """Existing dataset group; solution and campaign take over the notebook's by name."""
        return _synth(
            _edit(
                solution={"physical_name": NOTEBOOK_SOLUTION},
                campaign={"physical_name": NOTEBOOK_CAMPAIGN},
                top={"dataset_group": {"arn": synth.EXISTING_DATASET_GROUP_ARN}, "datasets": {}},
            )
        )


RENAMED_CAMPAIGN: Final = "news-campaign-v2"
NOTEBOOK_SOLUTION: Final = "news-notebook-solution"
NOTEBOOK_CAMPAIGN: Final = "news-notebook-campaign"
EXISTING_GROUP_NAME: Final = synth.EXISTING_DATASET_GROUP_ARN.rsplit("/", 1)[1]


def seed_notebook(world: World, *, version: bool = True, campaign: bool = False) -> tuple[str, str | None]:
    """What the notebook left behind: a dataset group, an auto-training solution, a manual version."""
    group = world.fake.seed_dataset_group(EXISTING_GROUP_NAME)
    solution = world.fake.seed_solution(group, NOTEBOOK_SOLUTION, perform_auto_training=True)
    version_arn = world.fake.seed_solution_version(solution) if version else None
    if campaign:
        assert version_arn is not None
        world.admin.create_campaign(
            name=NOTEBOOK_CAMPAIGN, solutionVersionArn=version_arn, minProvisionedTPS=1
        )
        world.clock.advance(world.fake.durations.campaign_create + 60)
    return solution, version_arn
