"""The recipe table agrees with botocore's model and with the fake Personalize's own table, and synth
refuses what CreateSolutionVersion refuses."""

from __future__ import annotations

import re

import botocore.session
import pytest
from botocore.model import StructureShape

from simulation.personalize import batch as fake_batch
from simulation.personalize import recipes as fake_recipes
from stacks.config_model import ConfigError
from stacks.config_model.loader import validate
from stacks.config_model.recipes import DG, RECIPES
from tests.support.synth import variant

SOURCE = "test-config.yaml"


def _training_mode_doc() -> str:
    model = botocore.session.get_session().get_service_model("personalize")
    request = model.operation_model("CreateSolutionVersion").input_shape
    assert isinstance(request, StructureShape)
    return request.members["trainingMode"].documentation


def update_pages() -> set[str]:
    """Recipe pages the `trainingMode` documentation names in its "UPDATE ... can only be used" rule."""
    rule = next(p for p in re.findall(r"<p>(.*?)</p>", _training_mode_doc()) if "can only be used" in p)
    return set(re.findall(r'href="([^"]+)"', rule))


def test_update_training_is_allowed_exactly_for_the_recipes_botocore_names():
    # GIVEN the recipe pages CreateSolutionVersion's `trainingMode` names for UPDATE
    pages = update_pages()
    assert DG + "native-recipe-new-item-USER_PERSONALIZATION.html" in pages
    # THEN a recipe allows UPDATE exactly when its page is one of them
    for recipe in RECIPES.values():
        assert recipe.supports_update_training == (recipe.page in pages), recipe.name


def test_every_recipe_cites_its_developer_guide_page():
    for recipe in RECIPES.values():
        assert recipe.page.startswith(DG) and recipe.page.endswith(".html"), recipe.name


REFUSING = sorted(name for name, recipe in RECIPES.items() if not recipe.supports_update_training)


@pytest.mark.parametrize("recipe", REFUSING)
def test_fails_when_update_training_is_asked_of_a_recipe_the_api_refuses(recipe):
    # GIVEN the first solution on a recipe CreateSolutionVersion refuses UPDATE for
    raw = variant()
    raw["solutions"][0].update(recipe=recipe, training={"mode": "UPDATE"})
    # WHEN the config is validated
    with pytest.raises(ConfigError) as caught:
        validate(raw, SOURCE)
    # THEN one line names the field path and what to do (a ConfigError: no traceback at the CLI)
    assert f"solutions[0].training.mode: recipe {recipe} does not support UPDATE training; use FULL" in str(
        caught.value
    )


# ---- the app's table against the fake's: two independent statements of what AWS offers ----
def test_the_app_and_the_fake_personalize_list_the_same_custom_recipes():
    # GIVEN the fake's recipes for custom solutions (no domain)
    custom = {name for name, _kind, domain in fake_recipes.RECIPES if domain is None}
    # THEN the app accepts exactly those
    assert sorted(RECIPES) == sorted(custom)


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_the_app_and_the_fake_personalize_agree_on_what_a_recipe_supports(name):
    # GIVEN a recipe as the app states it and as the fake's service refuses or allows it
    recipe = RECIPES[name]
    kind = fake_recipes.recipe_type(name)
    # THEN trainingMode UPDATE, item exploration, batch segments and batch inference agree
    assert recipe.supports_update_training == (name in fake_recipes.UPDATE_MODE_RECIPES)
    assert recipe.supports_item_exploration == (name in fake_recipes.EXPLORATION_RECIPES)
    assert recipe.supports_batch_segments == (kind == fake_batch.SEGMENTATION)
    refuses_inference = name in fake_batch.NO_BATCH_RECOMMENDATIONS or kind == fake_batch.SEGMENTATION
    assert recipe.supports_batch_inference == (not refuses_inference)


def test_item_exploration_is_the_user_personalization_recipes_alone_as_botocore_documents():
    # GIVEN botocore's documentation of CampaignConfig.itemExplorationConfig
    model = botocore.session.get_session().get_service_model("personalize")
    config = model.shape_for("CampaignConfig")
    assert isinstance(config, StructureShape)
    doc = re.sub(r"<[^>]+>", "", config.members["itemExplorationConfig"].documentation)
    # THEN it names one recipe, and the app and the fake allow exploration on that recipe only
    assert "only if your solution uses the User-Personalization recipe" in doc
    assert sorted(name for name, recipe in RECIPES.items() if recipe.supports_item_exploration) == [
        "aws-user-personalization"
    ]
    assert fake_recipes.EXPLORATION_RECIPES == ("aws-user-personalization",)
