"""The checker's decisions that write nothing, and the campaign's choice between a declared and a
promoted version (lambda_handlers/auto_promotion.py), on the fake Personalize."""

from lambda_handlers import auto_promotion, constants, contract
from lambda_handlers.contract import Gate
from tests.unit import CAMPAIGN_ARN, PREFIX, SOLUTION_ARN, World
from tests.unit.test_champion import serve

NDCG10 = "normalized_discounted_cumulative_gain_at_10"
SPEC = contract.AutoPromotion(
    solution_arn=SOLUTION_ARN,
    solution_name="up",
    campaign_arn=CAMPAIGN_ARN,
    campaign_name="up",
    gates={NDCG10: Gate(minimum=0.05, max_drop=0.01)},
)


def version(w: World, ndcg10: float, training_type: str = "AUTOMATIC") -> str:
    w.clock.advance(3600)  # each version newer than the one before
    return w.fake.seed_solution_version(SOLUTION_ARN, training_type=training_type, metrics={NDCG10: ndcg10})


def setup(w: World) -> str:
    w.fake.seed_solution(f"{PREFIX}:dataset-group/shop", "shop-up")
    return serve(w, "shop-up", version(w, 0.20, "MANUAL"))


def test_no_automatic_version_decides_nothing_and_writes_nothing(w: World):
    # GIVEN a campaign on a manual version and no automatic one
    setup(w)
    mark = len(w.fake.mutating_calls())
    # WHEN the checker runs THEN it decides none and writes nothing
    assert auto_promotion.check(SPEC, w.deps).outcome == "none"
    assert w.fake.mutating_calls()[mark:] == []


def test_an_automatic_version_older_than_the_served_one_is_not_promoted(w: World):
    # GIVEN an automatic version (better), then a newer manual version a deploy put on the campaign
    w.fake.seed_solution(f"{PREFIX}:dataset-group/shop", "shop-up")
    automatic = version(w, 0.30)
    serve(w, "shop-up", version(w, 0.20, "MANUAL"))
    # WHEN the checker runs THEN it never moves the campaign back to the older version
    decision = auto_promotion.check(SPEC, w.deps)
    assert (decision.outcome, decision.candidate, decision.reason) == (
        "none",
        automatic,
        "the served version is newer",
    )
    assert w.fake.calls_named("UpdateCampaign") == []


def test_a_busy_campaign_is_left_to_the_next_run_and_keeps_its_hold_count(w: World):
    # GIVEN a campaign with two holds recorded, busy with an update, and a better automatic version
    setup(w)
    w.fake.call(
        "TagResource",
        {"resourceArn": CAMPAIGN_ARN, "tags": [{"tagKey": constants.HOLDS_TAG, "tagValue": "2"}]},
    )
    version(w, 0.21)
    w.fake.call("UpdateCampaign", {"campaignArn": CAMPAIGN_ARN, "minProvisionedTPS": 2})
    # WHEN the checker runs THEN nothing is updated and the count stays
    decision = auto_promotion.check(SPEC, w.deps)
    assert (decision.outcome, decision.holds) == ("none", 2)
    assert len(w.fake.calls_named("UpdateCampaign")) == 1  # the one made above


def test_a_deploy_serves_the_newer_of_the_declared_and_the_promoted_version(w: World):
    # GIVEN a campaign tagged with a promoted version, between an older and a newer declared one
    setup(w)
    older = version(w, 0.20, "MANUAL")
    promoted = version(w, 0.21)
    newer = version(w, 0.22, "MANUAL")
    w.fake.call(
        "TagResource",
        {"resourceArn": CAMPAIGN_ARN, "tags": [{"tagKey": constants.PROMOTED_TAG, "tagValue": promoted}]},
    )
    # WHEN a deploy declares the older one THEN the promoted one stays; the newer one wins over it
    assert auto_promotion.keep_promoted(w.deps, CAMPAIGN_ARN, older, promoted) == promoted
    assert auto_promotion.keep_promoted(w.deps, CAMPAIGN_ARN, newer, promoted) == newer
    # AND a campaign already serving the declared version reads no tag
    mark = len(w.fake.calls)
    assert auto_promotion.keep_promoted(w.deps, CAMPAIGN_ARN, older, older) == older
    assert w.fake.calls[mark:] == []
