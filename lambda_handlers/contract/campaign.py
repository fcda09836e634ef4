"""Custom::PersonalizeCampaign's properties: CreateCampaign's inputs, `campaignConfig` typed.

`CampaignConfig` travels as one JSON property in the API's own shape (`to_api()`); its fields
carry the same names as the config model's campaign, which builds it with `CampaignConfig.of`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar, Final

from lambda_handlers.constants import CAMPAIGN_TYPE
from lambda_handlers.contract.base import Contract, prop, setting
from lambda_handlers.contract.codec import ARN, INT, TAGS, TEXT, Codec, Intrinsic, json_object
from lambda_handlers.contract.retention import retain_on_stack_delete


@dataclass(frozen=True)
class ItemExploration:
    """`campaignConfig.itemExplorationConfig` (the API takes both values as strings)."""

    exploration_weight: float = setting("How much to recommend new or less relevant items, 0 to 1.", 0.3)
    exploration_item_age_cut_off: int = setting("Items this many days old or newer count as new.", 30)


@dataclass(frozen=True, kw_only=True)
class CampaignConfig:
    """`campaignConfig`, every key the API takes, each defaulting as the API does."""

    enable_metadata_with_recommendations: bool = setting(
        "Return item metadata with recommendations (billed per request).", False
    )
    item_exploration: ItemExploration | None = setting(
        "Exploration of new items (user-personalization recipes); null = the API's own.", None
    )
    ranking_influence: Mapping[str, float] | None = setting(
        "Weight of FRESHNESS / POPULARITY in ranking (user-personalization-v2); null = none.", None
    )
    sync_with_latest_solution_version: bool = setting(
        "Serve every new version at once, bypassing gates (refused together with gates).", False
    )

    @classmethod
    def of(cls, settings: Any) -> CampaignConfig:
        """From an object with attributes of the same names (the config model's campaign)."""
        values = {f.name: getattr(settings, f.name) for f in dataclasses.fields(cls)}
        exploration = values["item_exploration"]
        if exploration is not None:
            values["item_exploration"] = ItemExploration(
                exploration.exploration_weight, exploration.exploration_item_age_cut_off
            )
        if values["ranking_influence"] is not None:
            values["ranking_influence"] = dict(values["ranking_influence"])
        return cls(**values)

    def to_api(self) -> dict[str, Any]:
        """`campaignConfig` as botocore takes it: exploration values are strings there."""
        config: dict[str, Any] = {
            "enableMetadataWithRecommendations": self.enable_metadata_with_recommendations,
            "syncWithLatestSolutionVersion": self.sync_with_latest_solution_version,
        }
        if self.item_exploration is not None:
            config["itemExplorationConfig"] = {
                "explorationWeight": str(self.item_exploration.exploration_weight),
                "explorationItemAgeCutOff": str(self.item_exploration.exploration_item_age_cut_off),
            }
        if self.ranking_influence:
            config["rankingInfluence"] = {k: float(v) for k, v in sorted(self.ranking_influence.items())}
        return config

    @classmethod
    def from_api(cls, config: Mapping[str, Any]) -> CampaignConfig:
        exploration = config.get("itemExplorationConfig")
        ranking = config.get("rankingInfluence")
        return cls(
            enable_metadata_with_recommendations=bool(config.get("enableMetadataWithRecommendations", False)),
            item_exploration=None
            if not isinstance(exploration, Mapping)
            else ItemExploration(
                float(exploration.get("explorationWeight", ItemExploration.exploration_weight)),
                int(
                    exploration.get("explorationItemAgeCutOff", ItemExploration.exploration_item_age_cut_off)
                ),
            ),
            ranking_influence=None
            if not isinstance(ranking, Mapping)
            else {str(k): float(v) for k, v in ranking.items()},
            sync_with_latest_solution_version=bool(config.get("syncWithLatestSolutionVersion", False)),
        )


# What the API means when DescribeCampaign leaves a `campaignConfig` key out: the two flags are
# off. syncWithLatestSolutionVersion: "The default is False" (botocore's model, CampaignConfig;
# tests/unit/test_api_defaults.py reads it there); enableMetadataWithRecommendations: opt-in and billed
# (https://docs.aws.amazon.com/personalize/latest/dg/campaigns.html#create-campaign-return-metadata).
# `CampaignConfig`'s own defaults are the API's, so its empty value states them.
API_DEFAULTS: Final[Mapping[str, Any]] = MappingProxyType(CampaignConfig().to_api())

CAMPAIGN_CONFIG: Codec[CampaignConfig] = json_object(CampaignConfig.to_api, CampaignConfig.from_api)


@dataclass(frozen=True, kw_only=True)
class Campaign(Contract):
    RESOURCE_TYPE: ClassVar[str] = CAMPAIGN_TYPE

    name: str = prop("Name", TEXT, "The campaign's physical name.")
    solution_version_arn: str | Intrinsic = prop(
        "SolutionVersionArn",
        ARN,
        "The last wait link's SolutionVersionArn, or `{solution ARN}/$LATEST` to sync with the latest.",
    )
    min_provisioned_tps: int = prop(
        "MinProvisionedTPS",
        INT,
        "Billing floor: requests per second you pay for even when idle (integer ≥ 1).",
        1,
    )
    campaign_config: CampaignConfig = prop(
        "CampaignConfig", CAMPAIGN_CONFIG, "`campaignConfig`.", CampaignConfig()
    )
    tags: Mapping[str, str] = prop("Tags", TAGS, "Tags of the campaign.", {})
    retain_on_stack_delete: bool = retain_on_stack_delete()
