"""The API defaults the contract states (what Personalize does with an absent member) are the ones
botocore's Personalize model documents."""

from __future__ import annotations

import re
from typing import Any

import botocore.session
from botocore.model import StructureShape

from lambda_handlers import contract
from simulation.personalize.solutions import DEFAULT_AUTO_TRAINING


def members(shape: str) -> dict[str, Any]:
    found = botocore.session.get_session().get_service_model("personalize").shape_for(shape)
    assert isinstance(found, StructureShape)
    return dict(found.members)


def documentation(shape: str, member: str) -> str:
    return re.sub(r"<[^>]+>", "", members(shape)[member].documentation)


def test_auto_training_is_on_by_default_as_create_solution_documents():
    doc = documentation("CreateSolutionRequest", "performAutoTraining")
    assert "The default is True" in doc
    assert contract.API_DEFAULT_AUTO_TRAINING is True


def test_the_default_schedule_is_the_one_auto_training_config_documents():
    found = re.search(
        r"The default is every (\d+) days", documentation("AutoTrainingConfig", "schedulingExpression")
    )
    assert found is not None
    assert f"rate({found.group(1)} days)" == contract.API_DEFAULT_SCHEDULE
    # AND the fake Personalize, which states it apart on purpose, plays the same default
    assert f"rate({found.group(1)} days)" == DEFAULT_AUTO_TRAINING


def test_campaign_config_flags_default_to_off_as_documented():
    # GIVEN the flags the contract treats as off when DescribeCampaign leaves them out
    assert dict(contract.CAMPAIGN_CONFIG_API_DEFAULTS) == {
        "enableMetadataWithRecommendations": False,
        "syncWithLatestSolutionVersion": False,
    }
    # THEN both are CampaignConfig members, and the model documents the sync default as False
    assert set(contract.CAMPAIGN_CONFIG_API_DEFAULTS) <= set(members("CampaignConfig"))
    assert "The default is False" in documentation("CampaignConfig", "syncWithLatestSolutionVersion")
