"""`make impact` on a gates change prints both checks of each gate, `max_drop` included."""

from typing import Any

from lambda_handlers import constants, contract
from lambda_handlers.contract import Gate
from ops.impact.custom import classify_solutions

NDCG10 = "normalized_discounted_cumulative_gain_at_10"
SOLUTION = contract.Solution(
    name="news-up",
    dataset_group_arn="arn:aws:personalize:us-east-1:111111111111:dataset-group/news",
    recipe_arn="arn:aws:personalize:::recipe/aws-user-personalization",
)


def template(gates: dict[str, Gate]) -> dict[str, Any]:
    version = contract.SolutionVersion(solution_arn="resolved below", gates=gates, solution_name="up")
    properties: dict[str, Any] = {
        **version.to_properties(),
        "SolutionArn": {"Fn::GetAtt": ["SolutionUp", "SolutionArn"]},  # as a synthesized template has it
    }
    return {
        "SolutionUp": {"Type": constants.SOLUTION_TYPE, "Properties": SOLUTION.to_properties()},
        "TrainingUpVersion": {"Type": constants.SOLUTION_VERSION_TYPE, "Properties": properties},
    }


def test_a_gates_change_prints_min_and_max_drop():
    # GIVEN a min-only gate that gains a max_drop
    base = template({NDCG10: Gate(minimum=0.05)})
    head = template({NDCG10: Gate(minimum=0.05, max_drop=0.01)})
    # WHEN the impact is classified
    lines = [change.text for change in classify_solutions(base, head, "news")]
    # THEN one line shows the gate before and after, max_drop with what it compares against
    assert lines == [
        f"solution up: gates {NDCG10} ≥ 0.05 → {NDCG10} ≥ 0.05 and max_drop 0.01 below the serving "
        "version (checked on the trained version)"
    ]
