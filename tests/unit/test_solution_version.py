import json
from typing import Any

import pytest

from lambda_handlers import constants
from lambda_handlers.errors import DeployError
from tests.unit import OWNER, PREFIX, SOLUTION_ARN, World, event, stubbed

GROUP_ARN = f"{PREFIX}:dataset-group/shop"
NDCG = "normalized_discounted_cumulative_gain_at_10"
PROPS = {
    "SolutionArn": SOLUTION_ARN,
    "Trigger": "import 2026-01",
    "TrainingMode": "FULL",
    "Gates": json.dumps({NDCG: 0.05}),
    "LinkSeconds": "3300",
    "SolutionName": "shop-up",
    "Tags": "[]",
}
V2_PROPS = {**PROPS, "Trigger": "import 2026-02"}
# version_names.version_name("import 2026-01" / "import 2026-02", mode): cdk-{mode}-{slug}-{sha256(trigger)[:8]}
NAME = "cdk-full-import-2026-01-f0fb0168"
V2_NAME = "cdk-full-import-2026-02-e306ff35"
UPDATE_NAME = "cdk-update-import-2026-01-f0fb0168"
START = "1767225600"  # the virtual clock's start, 2026-01-01T00:00:00Z, in epoch seconds


def version_event(request_type: str, props: dict[str, str] | None = None, **kwargs: Any) -> dict[str, Any]:
    return event(request_type, constants.SOLUTION_VERSION_TYPE, props or PROPS, **kwargs)


def solution(w: World) -> str:
    return w.fake.seed_solution(GROUP_ARN, "shop-up")


def version(w: World, arn: str) -> dict[str, Any]:
    return w.describe("DescribeSolutionVersion", solutionVersionArn=arn)["solutionVersion"]


def test_create_starts_training_named_for_the_trigger(w):
    # GIVEN a solution without versions WHEN created
    solution(w)
    result = w.on_event(version_event("Create"))
    # THEN one training, named for the trigger, is the physical id; Data starts the link's clock
    arn = result["PhysicalResourceId"]
    assert result["Data"] == {"SolutionVersionArn": arn, "StartedAt": START}
    assert (version(w, arn)["name"], version(w, arn)["trainingMode"]) == (NAME, "FULL")
    assert w.counts() == {"CreateSolutionVersion": 1}


def test_create_passes_update_mode_and_tags(w):
    # GIVEN a solution with an ACTIVE version (UPDATE needs one)
    solution(w)
    w.fake.seed_solution_version(SOLUTION_ARN, name="cdk-full-other-12345678")
    props = {**PROPS, "TrainingMode": "UPDATE", "Tags": '[{"tagKey": "k", "tagValue": "v"}]'}
    # WHEN created in UPDATE mode THEN the version is named for it and carries the tags and its owner
    arn = w.on_event(version_event("Create", props))["PhysicalResourceId"]
    assert (version(w, arn)["name"], version(w, arn)["trainingMode"]) == (UPDATE_NAME, "UPDATE")
    assert w.tags(arn) == {"k": "v", "personalize-cdk:owner": OWNER}


def test_finds_the_version_named_for_the_trigger_instead_of_training(w):
    # GIVEN an older cdk version, the one named for this trigger (training) and an automatic one
    solution(w)
    w.fake.seed_solution_version(SOLUTION_ARN, name="cdk-full-other-12345678")
    ours = w.fake.seed_solution_version(SOLUTION_ARN, name=NAME, status="CREATE IN_PROGRESS")
    w.fake.seed_solution_version(SOLUTION_ARN, training_type="AUTOMATIC", training_mode="AUTOTRAIN")
    # WHEN created THEN the named one, no training
    assert w.on_event(version_event("Create"))["PhysicalResourceId"] == ours
    assert w.counts() == {}


def test_rollback_to_the_old_trigger_finds_the_old_version_without_training(w):
    # GIVEN the versions of trigger v1 and of trigger v2
    solution(w)
    v1 = w.fake.seed_solution_version(SOLUTION_ARN, name=NAME)
    v2 = w.fake.seed_solution_version(SOLUTION_ARN, name=V2_NAME)
    # WHEN CloudFormation's rollback updates back to v1 THEN v1 is the physical id again
    raw = version_event("Update", PROPS, physical_id=v2, old_props=V2_PROPS)
    assert w.on_event(raw)["PhysicalResourceId"] == v1
    assert w.counts() == {}


def notebook(w: World) -> tuple[str, str]:
    """The notebook's two MANUAL versions (older, newer) and a newer AUTOMATIC one."""
    solution(w)
    older = w.fake.seed_solution_version(SOLUTION_ARN, name="first-try")
    newer = w.fake.seed_solution_version(SOLUTION_ARN, name="notebook-version")
    w.fake.seed_solution_version(SOLUTION_ARN, training_type="AUTOMATIC", training_mode="AUTOTRAIN")
    return older, newer


def test_the_first_deploy_adopts_the_newest_manual_notebook_version_never_an_automatic_one(w):
    # GIVEN the notebook's versions WHEN created
    _, newer = notebook(w)
    result = w.on_event(version_event("Create"))
    # THEN the newest MANUAL one, tagged with the trigger's version name, no training
    assert result["PhysicalResourceId"] == newer
    assert w.tags(newer) == {"personalize-cdk:version-name": NAME}
    assert w.counts() == {"TagResource": 1}


def test_a_repeated_event_finds_the_adopted_notebook_version_without_tagging_again(w):
    _, newer = notebook(w)
    w.on_event(version_event("Create"))
    assert w.on_event(version_event("Create"))["PhysicalResourceId"] == newer
    assert w.counts() == {"TagResource": 1}


def test_trigger_change_after_adoption_trains_and_a_rollback_finds_the_notebook_version(w):
    # GIVEN the notebook version adopted for v1
    _, newer = notebook(w)
    w.on_event(version_event("Create"))
    # WHEN updated to v2 THEN it trains (the tag counts as ours: no second adoption)
    trained = w.on_event(version_event("Update", V2_PROPS, physical_id=newer, old_props=PROPS))
    assert trained["PhysicalResourceId"] not in (newer, "")
    assert w.counts() == {"TagResource": 1, "CreateSolutionVersion": 1}
    # WHEN v2's training is stopped and the stack rolls back to v1 THEN the notebook version again
    w.fake.call("StopSolutionVersionCreation", {"solutionVersionArn": trained["PhysicalResourceId"]})
    rollback = version_event("Update", PROPS, physical_id=trained["PhysicalResourceId"], old_props=V2_PROPS)
    assert w.on_event(rollback)["PhysicalResourceId"] == newer
    assert w.counts() == {"TagResource": 1, "CreateSolutionVersion": 1, "StopSolutionVersionCreation": 1}


def test_trains_when_only_automatic_versions_exist(w):
    solution(w)
    w.fake.seed_solution_version(SOLUTION_ARN, training_type="AUTOMATIC", training_mode="AUTOTRAIN")
    w.on_event(version_event("Create"))
    assert w.counts() == {"CreateSolutionVersion": 1}


def test_trains_when_a_cdk_version_exists_but_none_for_this_trigger(w):
    # GIVEN a version this app trained for another trigger WHEN created THEN no notebook adoption
    solution(w)
    w.fake.seed_solution_version(SOLUTION_ARN, name="cdk-full-other-12345678")
    w.on_event(version_event("Create"))
    assert w.counts() == {"CreateSolutionVersion": 1}


def test_fails_when_the_version_for_the_trigger_exists_but_failed(w):
    solution(w)
    w.fake.seed_solution_version(SOLUTION_ARN, name=NAME, status="CREATE FAILED")
    with pytest.raises(DeployError) as failure:
        w.on_event(version_event("Create"))
    assert failure.value.message == (
        f"solution version {NAME} of {SOLUTION_ARN} already exists but failed or was stopped; "
        "change the trigger to train a new version"
    )


def test_fails_when_the_solution_is_busy_training_another_version(w):
    # GIVEN no version for this trigger, while another version of the solution still trains
    solution(w)
    w.fake.seed_solution_version(SOLUTION_ARN, name="cdk-full-other-12345678", status="CREATE IN_PROGRESS")
    # WHEN the deploy asks for training THEN it fails saying why and what to do
    with pytest.raises(
        DeployError, match=r"^solution shop-up is busy training another version .*redeploy once"
    ):
        w.on_event(version_event("Create"))
    assert w.counts() == {}


def test_fails_when_the_training_mode_is_unknown(w):
    with pytest.raises(DeployError) as failure:
        w.on_event(version_event("Create", {**PROPS, "TrainingMode": "AUTOTRAIN"}))
    assert failure.value.message == (
        "Resource (Custom::PersonalizeSolutionVersion): property TrainingMode must be one of FULL, UPDATE, "
        "not 'AUTOTRAIN'"
    )


def test_a_concurrent_duplicate_create_answers_with_the_version_the_other_delivery_started():
    """The race (the other delivery creates between this one's lookup and its create) cannot be
    staged on the fake, so its answers are stubbed."""
    arn = f"{SOLUTION_ARN}/abcd1234"
    summary = {"solutionVersionArn": arn, "status": "CREATE PENDING", "trainingType": "MANUAL"}
    described = {**summary, "name": NAME}
    with stubbed() as stub:
        stub.answer("list_solution_versions", {"solutionVersions": []})
        stub.fail("create_solution_version", "ResourceAlreadyExistsException")
        stub.answer("list_solution_versions", {"solutionVersions": [summary]})
        stub.answer("describe_solution_version", {"solutionVersion": described})
        assert stub.on_event(version_event("Create"))["PhysicalResourceId"] == arn


# ---- isComplete: link 0 of the wait chain ------------------------------------------------


def test_complete_when_active_with_metrics_emf_line_and_summary(w):
    # GIVEN a training started by onEvent, above its gate
    solution(w)
    w.fake.metrics_for_next_versions = {NDCG: 0.2, "coverage": 0.4}
    result = w.run(version_event("Create"))
    # THEN complete with Status ACTIVE and the Summary, one EMF line logged
    arn = result["PhysicalResourceId"]
    assert result["Data"]["Status"] == "ACTIVE"
    assert json.loads(result["Data"]["Summary"]) == {
        "solutionVersionArn": arn,
        "trainingMode": "FULL",
        "trigger": "import 2026-01",
        "metrics": {"coverage": 0.4, NDCG: 0.2},
        "trainedAt": "2026-01-01T00:35:00+00:00",
    }
    emf = [json.loads(line) for line in w.logs if line.startswith('{"_aws"')]
    assert len(emf) == 1 and emf[0]["Solution"] == "shop-up" and emf[0][NDCG] == 0.2


def test_fails_when_a_gate_is_not_met_naming_value_and_threshold(w):
    solution(w)
    w.fake.metrics_for_next_versions = {NDCG: 0.0312}
    with pytest.raises(DeployError) as failure:
        w.run(version_event("Create"))
    assert failure.value.message.startswith(f"gate failed for solution shop-up: {NDCG} = 0.0312 < 0.05 (")


def test_fails_when_a_gated_metric_is_missing_from_empty_metrics(w):
    solution(w)
    w.fake.metrics_for_next_versions = {}
    with pytest.raises(DeployError, match=f"{NDCG} = missing < 0.05"):
        w.run(version_event("Create"))


def test_fails_when_training_is_create_failed_with_its_reason(w):
    solution(w)
    w.fake.fail_next_training("Not enough interactions")
    with pytest.raises(DeployError, match=r"^solution version \S+ failed: Not enough interactions$"):
        w.run(version_event("Create"))


def test_fails_when_training_was_stopped(w):
    solution(w)
    raw = version_event("Create")
    result = w.on_event(raw)
    w.fake.call("StopSolutionVersionCreation", {"solutionVersionArn": result["PhysicalResourceId"]})
    with pytest.raises(DeployError, match="was stopped"):
        w.run(raw)


def test_training_hands_over_to_the_next_link_at_its_deadline(w):
    # GIVEN a link budget of 10 minutes and a 35-minute training
    solution(w)
    result = w.run(version_event("Create", {**PROPS, "LinkSeconds": "600"}))
    # THEN complete at the deadline with the training status and no summary: the next link waits
    assert result["Data"]["Status"] == "CREATE IN_PROGRESS"
    assert result["Data"]["Summary"] == ""
    assert w.clock.now() == 1767225600 + 600


@pytest.mark.parametrize(("code", "status"), [("ThrottlingException", 400), ("InternalServerError", 500)])
def test_transient_errors_in_is_complete_mean_not_complete(w, code, status):
    # GIVEN Personalize throttling or failing with 5xx WHEN polled THEN simply not complete yet
    solution(w)
    raw = version_event("Create")
    poll = {**raw, **w.on_event(raw)}
    w.fake.inject_error("DescribeSolutionVersion", code, status=status)
    assert w.is_complete(poll) == {"IsComplete": False}


# ---- Delete -------------------------------------------------------------------------------


def test_delete_stops_a_version_still_training(w):
    solution(w)
    arn = w.on_event(version_event("Create"))["PhysicalResourceId"]
    w.run(version_event("Delete", physical_id=arn))
    assert version(w, arn)["status"] in ("CREATE STOPPING", "CREATE STOPPED")
    assert w.count("StopSolutionVersionCreation") == 1


def test_delete_leaves_training_a_version_the_last_link_gave_up_on(w):
    # GIVEN a version still training that the last wait link tagged at max_wait_minutes
    solution(w)
    arn = w.on_event(version_event("Create"))["PhysicalResourceId"]
    w.fake.call(
        "TagResource",
        {"resourceArn": arn, "tags": [{"tagKey": constants.KEEP_TRAINING_TAG, "tagValue": "true"}]},
    )
    # WHEN deleted (rollback cleanup) THEN not stopped: the next deploy picks it up
    w.run(version_event("Delete", physical_id=arn))
    assert version(w, arn)["status"] == "CREATE PENDING"
    assert w.count("StopSolutionVersionCreation") == 0


def test_delete_releases_an_adopted_notebook_version_still_training(w):
    # GIVEN the notebook's version, adopted by a failed first deploy, still training
    solution(w)
    arn = w.fake.seed_solution_version(SOLUTION_ARN, name="notebook-version", status="CREATE IN_PROGRESS")
    assert w.on_event(version_event("Create"))["PhysicalResourceId"] == arn
    # WHEN the rollback deletes the version resource THEN it keeps training, as before the stack
    w.run(version_event("Delete", physical_id=arn))
    assert version(w, arn)["status"] == "CREATE IN_PROGRESS"
    assert w.count("StopSolutionVersionCreation") == 0


def test_delete_leaves_a_finished_version_alone_and_a_missing_one_is_done(w):
    solution(w)
    active = w.fake.seed_solution_version(SOLUTION_ARN, name=NAME)
    w.run(version_event("Delete", physical_id=active))
    w.run(version_event("Delete", physical_id=f"{SOLUTION_ARN}/gone"))
    assert version(w, active)["status"] == "ACTIVE"
    assert w.counts() == {}
