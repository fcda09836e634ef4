"""Finding a training's champion (lambda_handlers/champion.py) on the fake Personalize."""

from lambda_handlers import champion, constants
from lambda_handlers.contract import Gate
from tests.unit import PREFIX, SOLUTION_ARN, World

NDCG10 = "normalized_discounted_cumulative_gain_at_10"
RELATIVE = {NDCG10: Gate(minimum=0.05, max_drop=0.01)}


def serve(w: World, name: str, version_arn: str) -> str:
    """A campaign named `name` serving `version_arn`, ACTIVE."""
    arn = w.fake.call(
        "CreateCampaign", {"name": name, "solutionVersionArn": version_arn, "minProvisionedTPS": 1}
    )["campaignArn"]
    w.clock.advance(w.fake.durations.campaign_create + 60)
    return str(arn)


def versions(w: World, *ndcg10: float) -> list[str]:
    w.fake.seed_solution(f"{PREFIX}:dataset-group/shop", "shop-up")
    return [w.fake.seed_solution_version(SOLUTION_ARN, metrics={NDCG10: value}) for value in ndcg10]


def test_campaigns_serving_different_versions_make_the_best_one_the_champion(w: World):
    # GIVEN two campaigns of the solution serving versions with NDCG@10 0.18 and 0.21
    low, high = versions(w, 0.18, 0.21)
    serve(w, "shop-a", low)
    serve(w, "shop-b", high)
    # WHEN a training with a max_drop gate is about to start
    tags = champion.champion_tags(w.deps, SOLUTION_ARN, RELATIVE)
    # THEN the better one is recorded
    assert tags == [{"tagKey": constants.CHAMPION_TAG, "tagValue": high}]


def test_gates_without_max_drop_look_for_no_champion(w: World):
    # GIVEN a campaign serving a version
    (served,) = versions(w, 0.2)
    serve(w, "shop-a", served)
    # WHEN a training with a min-only gate is about to start
    tags = champion.champion_tags(w.deps, SOLUTION_ARN, {NDCG10: Gate(minimum=0.05)})
    # THEN nothing is recorded and no campaign was even listed
    assert tags == []
    assert w.count("ListCampaigns") == 0


def test_a_version_the_campaigns_already_serve_is_no_challenger(w: World):
    # GIVEN a version recording a champion, now served itself (a rollback or a gate-only change)
    old, new = versions(w, 0.3, 0.1)
    w.fake.call(
        "TagResource", {"resourceArn": new, "tags": [{"tagKey": constants.CHAMPION_TAG, "tagValue": old}]}
    )
    serve(w, "shop-a", new)
    # WHEN it is checked again THEN there is nothing to compare, however far below it is
    assert champion.challenge(w.deps, new, {NDCG10: 0.1}, RELATIVE) is None


def test_a_version_without_a_champion_record_compares_nothing(w: World):
    # GIVEN a served version and a version this app did not start (no record)
    served, other = versions(w, 0.3, 0.1)
    serve(w, "shop-a", served)
    # WHEN it is checked THEN nothing is compared
    assert champion.challenge(w.deps, other, {NDCG10: 0.1}, RELATIVE) is None
