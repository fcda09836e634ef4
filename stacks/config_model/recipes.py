"""What each Personalize recipe supports, so a bad combination fails at synth, not at deploy.

Facts from the Amazon Personalize developer guide (custom recipes). A recipe not listed here
can still be used by its full ARN only if it is added here: we refuse unknown recipes rather
than let a typo reach CreateSolution after an hour of deploy.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

RECIPE_ARN_PREFIX = "arn:aws:personalize:::recipe/"


METRICS_PAGE = "https://docs.aws.amazon.com/personalize/latest/dg/working-with-training-metrics.html"

# Metric names GetSolutionMetrics returns, per recipe family. Only names the developer guide
# spells (in its GetSolutionMetrics output or in code font) are listed; a gate on another name
# would pass synth and fail hours later as "missing", so synth refuses it.
#
# Item recommendations (USER_PERSONALIZATION incl. Popularity-Count, PERSONALIZED_RANKING,
# RELATED_ITEMS): the example output of "Evaluating an Amazon Personalize solution version with
# metrics" (METRICS_PAGE), as the seed notebook prints them.
ITEM_METRICS: tuple[str, ...] = (
    "coverage",
    "mean_reciprocal_rank_at_25",
    "normalized_discounted_cumulative_gain_at_5",
    "normalized_discounted_cumulative_gain_at_10",
    "normalized_discounted_cumulative_gain_at_25",
    "precision_at_5",
    "precision_at_10",
    "precision_at_25",
)
# PERSONALIZED_ACTIONS (Next-Best-Action), METRICS_PAGE "Metric definitions": coverage and NDCG
# at K apply to action recommendations, `precision` and `recall` replace precision at K; no
# mean reciprocal rank. Its AUC is described but its API name is not spelled: not listed.
ACTION_METRICS: tuple[str, ...] = (
    "coverage",
    "normalized_discounted_cumulative_gain_at_5",
    "normalized_discounted_cumulative_gain_at_10",
    "normalized_discounted_cumulative_gain_at_25",
    "precision",
    "recall",
)
# USER_SEGMENTATION (Item-Affinity, Item-Attribute-Affinity), METRICS_PAGE: coverage counts users
# for segment recommendations; "hit (hit at K)" and "recall (recall at K)" are described without
# their API names, no mean reciprocal rank: only coverage is listed.
SEGMENT_METRICS: tuple[str, ...] = ("coverage",)
# Trending-Now, METRICS_PAGE "trend prediction accuracy": described without its API name; the page
# does not say which item metrics Trending-Now reports besides coverage: only coverage is listed.
TRENDING_METRICS: tuple[str, ...] = ("coverage",)

# Reported only with a solutionConfig key (METRICS_PAGE, "average_rewards_at_k" with an
# optimization objective, "normalized_discounted_cumulative_gain_with_event_weights_at_k" with an
# events configuration).
CONDITIONAL_METRICS: dict[str, str] = {
    "average_rewards_at_k": "optimizationObjective",
    "normalized_discounted_cumulative_gain_with_event_weights_at_k": "eventsConfig",
}


DG: Final = "https://docs.aws.amazon.com/personalize/latest/dg/"


@dataclass(frozen=True)
class Recipe:
    name: str
    page: str  # the developer guide's page for the recipe: the source of the flags below
    # trainingMode UPDATE: only User-Personalization and the legacy HRNN-Coldstart (botocore's
    # CreateSolutionVersion `trainingMode` documentation, and its API reference page
    # https://docs.aws.amazon.com/personalize/latest/dg/API_CreateSolutionVersion.html).
    supports_update_training: bool = False
    supports_item_exploration: bool = False  # campaignConfig.itemExplorationConfig ("Exploration")
    supports_campaign: bool = True  # batch-only recipes cannot be deployed to a campaign
    # CreateBatchInferenceJob: "You can't get batch recommendations with the Trending-Now or
    # Next-Best-Action recipes" (botocore's documentation of the operation, and its page
    # https://docs.aws.amazon.com/personalize/latest/dg/API_CreateBatchInferenceJob.html);
    # USER_SEGMENTATION recipes make segments instead.
    supports_batch_inference: bool = True
    # CreateBatchSegmentJob: USER_SEGMENTATION recipes only ("Getting batch recommendations and
    # user segments", https://docs.aws.amazon.com/personalize/latest/dg/recommendations-batch.html).
    supports_batch_segments: bool = False
    metrics: tuple[str, ...] = ITEM_METRICS  # what GetSolutionMetrics reports (see above)

    @property
    def arn(self) -> str:
        return RECIPE_ARN_PREFIX + self.name

    def reported_metrics(self, solution_config: Mapping[str, object]) -> tuple[str, ...]:
        """Metrics a version of this recipe reports with this `solutionConfig`."""
        extra = tuple(m for m, key in CONDITIONAL_METRICS.items() if key in solution_config)
        return self.metrics + extra if self.metrics is ITEM_METRICS else self.metrics


# The recipes of "Choosing a recipe" (DG + "working-with-predefined-recipes.html") that this app
# deploys. Not listed, so refused at synth: Semantic-Similarity (its metrics are not spelled on its
# page) and the legacy HRNN recipes.
RECIPES: dict[str, Recipe] = {
    r.name: r
    for r in (
        # Features: real-time personalization, exploration, automatic updates.
        Recipe(
            "aws-user-personalization",
            DG + "native-recipe-new-item-USER_PERSONALIZATION.html",
            supports_update_training=True,
            supports_item_exploration=True,
        ),
        # CreateSolutionVersion refuses UPDATE for it (the v2 recipes are not named there).
        Recipe("aws-user-personalization-v2", DG + "native-recipe-user-personalization-v2.html"),
        Recipe("aws-personalized-ranking", DG + "native-recipe-search.html"),
        Recipe("aws-personalized-ranking-v2", DG + "native-recipe-personalized-ranking-v2.html"),
        Recipe("aws-similar-items", DG + "native-recipe-similar-items.html"),
        Recipe("aws-sims", DG + "native-recipe-sims.html"),
        Recipe("aws-popularity-count", DG + "native-recipe-popularity.html"),
        Recipe(
            "aws-trending-now",
            DG + "native-recipe-trending-now.html",
            metrics=TRENDING_METRICS,
            supports_batch_inference=False,
        ),
        Recipe(
            "aws-next-best-action",
            DG + "native-recipe-next-best-action.html",
            metrics=ACTION_METRICS,
            supports_batch_inference=False,
        ),
        # USER_SEGMENTATION: user segments come from batch segment jobs only, never a campaign.
        Recipe(
            "aws-item-affinity",
            DG + "item-affinity-recipe.html",
            supports_campaign=False,
            metrics=SEGMENT_METRICS,
            supports_batch_inference=False,
            supports_batch_segments=True,
        ),
        Recipe(
            "aws-item-attribute-affinity",
            DG + "item-attribute-affinity-recipe.html",
            supports_campaign=False,
            metrics=SEGMENT_METRICS,
            supports_batch_inference=False,
            supports_batch_segments=True,
        ),
    )
}

# Every metric name some recipe reports (the gate field's own check; per recipe in rules.py).
METRIC_NAMES: tuple[str, ...] = tuple(
    dict.fromkeys(m for r in RECIPES.values() for m in r.metrics + tuple(CONDITIONAL_METRICS))
)


def recipe_named(name_or_arn: str) -> Recipe | None:
    """The recipe for a short name (`aws-sims`) or a full recipe ARN, or None if unknown."""
    short = name_or_arn.removeprefix(RECIPE_ARN_PREFIX)
    return RECIPES.get(short)
