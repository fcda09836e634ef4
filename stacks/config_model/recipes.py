"""What each Personalize recipe supports, so a bad combination fails at synth, not at deploy.

Facts from the Amazon Personalize developer guide (custom recipes). A recipe not listed here
can still be used by its full ARN only if it is added here: we refuse unknown recipes rather
than let a typo reach CreateSolution after an hour of deploy.
"""

from dataclasses import dataclass

RECIPE_ARN_PREFIX = "arn:aws:personalize:::recipe/"


@dataclass(frozen=True)
class Recipe:
    name: str
    supports_update_training: bool = False  # trainingMode UPDATE
    supports_item_exploration: bool = False  # campaignConfig.itemExplorationConfig
    supports_campaign: bool = True  # batch-only recipes cannot be deployed to a campaign

    @property
    def arn(self) -> str:
        return RECIPE_ARN_PREFIX + self.name


RECIPES: dict[str, Recipe] = {
    r.name: r
    for r in (
        Recipe("aws-user-personalization", True, True),
        Recipe("aws-user-personalization-v2", True, False),
        Recipe("aws-personalized-ranking"),
        Recipe("aws-personalized-ranking-v2"),
        Recipe("aws-similar-items"),
        Recipe("aws-sims"),
        Recipe("aws-popularity-count"),
        Recipe("aws-trending-now"),
        Recipe("aws-next-best-action"),
        Recipe("aws-item-affinity", supports_campaign=False),
        Recipe("aws-item-attribute-affinity", supports_campaign=False),
    )
}

# Metric names GetSolutionMetrics returns (the notebook prints the first eight).
METRIC_NAMES: tuple[str, ...] = (
    "coverage",
    "mean_reciprocal_rank_at_25",
    "normalized_discounted_cumulative_gain_at_5",
    "normalized_discounted_cumulative_gain_at_10",
    "normalized_discounted_cumulative_gain_at_25",
    "precision_at_5",
    "precision_at_10",
    "precision_at_25",
    "average_rewards_at_k",
    "hit_at_1",
    "hit_at_5",
    "hit_at_10",
    "recall_at_1",
    "recall_at_5",
    "recall_at_10",
)


def recipe_named(name_or_arn: str) -> Recipe | None:
    """The recipe for a short name (`aws-sims`) or a full recipe ARN, or None if unknown."""
    short = name_or_arn.removeprefix(RECIPE_ARN_PREFIX)
    return RECIPES.get(short)
