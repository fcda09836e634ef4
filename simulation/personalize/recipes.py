"""The recipes the fake offers: ListRecipes, DescribeRecipe, and the recipe rules other families ask.

The table is deliberately NOT imported from the app's (`stacks/config_model/recipes.py`): they are
two independent statements of what AWS offers, one by the app (what synth accepts) and one by the
fake (what the service answers). `tests/test_recipes.py` compares them, so a wrong belief written
in one shows as a disagreement instead of passing through both.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

from simulation.personalize.errors import PersonalizeError, invalid, not_found
from simulation.personalize.store import ACTIVE, JSON, Operation, Store

# (name, recipeType, domain or None)
RECIPES: Final = (
    ("aws-user-personalization", "USER_PERSONALIZATION", None),
    ("aws-user-personalization-v2", "USER_PERSONALIZATION", None),
    ("aws-personalized-ranking", "PERSONALIZED_RANKING", None),
    ("aws-personalized-ranking-v2", "PERSONALIZED_RANKING", None),
    ("aws-similar-items", "RELATED_ITEMS", None),
    ("aws-sims", "RELATED_ITEMS", None),
    ("aws-popularity-count", "USER_PERSONALIZATION", None),
    ("aws-trending-now", "USER_PERSONALIZATION", None),
    ("aws-next-best-action", "PERSONALIZED_ACTIONS", None),
    ("aws-item-affinity", "USER_SEGMENTATION", None),
    ("aws-item-attribute-affinity", "USER_SEGMENTATION", None),
    ("aws-ecomm-customers-who-viewed-x-also-viewed", "RELATED_ITEMS", "ECOMMERCE"),
    ("aws-ecomm-recommended-for-you", "USER_PERSONALIZATION", "ECOMMERCE"),
    ("aws-vod-because-you-watched-x", "RELATED_ITEMS", "VIDEO_ON_DEMAND"),
    ("aws-vod-top-picks", "USER_PERSONALIZATION", "VIDEO_ON_DEMAND"),
)
RECIPE_ARN_PREFIX: Final = "arn:aws:personalize:::recipe/"
# CreateSolutionVersion's trainingMode: "The UPDATE option can only be used when ... the input
# solution was trained with the User-Personalization recipe or the legacy HRNN-Coldstart recipe"
# (https://docs.aws.amazon.com/personalize/latest/dg/API_CreateSolutionVersion.html).
UPDATE_MODE_RECIPES: Final = ("aws-user-personalization", "aws-hrnn-coldstart")
# CampaignConfig.itemExplorationConfig: "Provide itemExplorationConfig data only if your solution
# uses the User-Personalization recipe" (botocore's model; API_CampaignConfig). User-Personalization-v2
# lists no exploration among its features and points to promotions for new items instead
# (https://docs.aws.amazon.com/personalize/latest/dg/native-recipe-user-personalization-v2.html).
EXPLORATION_RECIPES: Final = ("aws-user-personalization",)
DEFAULT_EXPLORATION: Final = {"explorationWeight": "0.3", "explorationItemAgeCutOff": "30"}


def recipe_type(name: str) -> str:
    """The recipeType of a recipe named in the table, else ""."""
    return next((kind for recipe, kind, _ in RECIPES if recipe == name), "")


def custom_recipe_name(recipe_arn: str) -> str:
    """The short name of a recipe a custom solution may use; else the service's error."""
    name = recipe_arn.removeprefix(RECIPE_ARN_PREFIX)
    for recipe, _kind, domain in RECIPES:
        if recipe_arn == RECIPE_ARN_PREFIX + recipe:
            if domain is not None:
                raise invalid(
                    f"Recipe {recipe_arn} is for domain dataset groups "
                    "(recommenders), not for custom solutions."
                )
            return name
    raise PersonalizeError("ResourceNotFoundException", f"Recipe {recipe_arn} not found.")


def _views(domain: str | None) -> list[JSON]:
    created = datetime(2019, 6, 10, tzinfo=UTC).timestamp()
    return [
        {
            "name": name,
            "recipeArn": RECIPE_ARN_PREFIX + name,
            "status": ACTIVE,
            "recipeType": kind,
            "domain": recipe_domain,
            "algorithmArn": f"arn:aws:personalize:::algorithm/{name}",
            "description": f"{name} recipe",
            "creationDateTime": created,
            "lastUpdatedDateTime": created,
        }
        for name, kind, recipe_domain in RECIPES
        if domain is None or recipe_domain == domain
    ]


def list_recipes(store: Store, p: JSON) -> JSON:
    return store.page(_views(p.get("domain")), p, "recipes")


def describe_recipe(store: Store, p: JSON) -> JSON:
    for view in _views(None):
        if view["recipeArn"] == p["recipeArn"]:
            return {"recipe": view}
    raise not_found(p["recipeArn"])


OPERATIONS: Final[dict[str, Operation]] = {
    "ListRecipes": list_recipes,
    "DescribeRecipe": describe_recipe,
}
