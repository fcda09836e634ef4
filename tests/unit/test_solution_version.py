import json
from typing import Any

import pytest

from lambda_handlers import constants, names
from lambda_handlers.errors import DeployError
from tests.unit import OLD_VERSION_ARN, SOLUTION_ARN, T0, VERSION_ARN, Harness, at, then_complete
from tests.unit import event as make_event

NDCG = "normalized_discounted_cumulative_gain_at_10"
PROPS = {
    "SolutionArn": SOLUTION_ARN,
    "Trigger": "import 2026-01",
    "TrainingMode": "FULL",
    "Gates": json.dumps({NDCG: 0.05}),
    "LinkSeconds": "3300",
    "Tags": "[]",
}
NAME = names.version_name("import 2026-01", "FULL")
STARTED = {"SolutionVersionArn": VERSION_ARN, "StartedAt": str(int(T0))}


def event(request_type: str, props: dict[str, str] | None = None, **kwargs: Any) -> dict[str, Any]:
    return make_event(request_type, constants.SOLUTION_VERSION_TYPE, props or PROPS, **kwargs)


def summary(
    arn: str, status: str = "ACTIVE", training_type: str = "MANUAL", created: float = 0
) -> dict[str, Any]:
    return {
        "solutionVersionArn": arn,
        "status": status,
        "trainingType": training_type,
        "creationDateTime": at(created),
    }


def version(
    arn: str = VERSION_ARN,
    status: str = "ACTIVE",
    name: str = NAME,
    training_type: str = "MANUAL",
    **extra: Any,
) -> dict[str, Any]:
    body = {
        "solutionVersionArn": arn,
        "name": name,
        "status": status,
        "trainingType": training_type,
        "trainingMode": "FULL",
        "creationDateTime": at(-600),
        "lastUpdatedDateTime": at(0),
        **extra,
    }
    return {"solutionVersion": body}


def expect_list(h: Harness, *summaries: dict[str, Any]) -> None:
    h.expect("list_solution_versions", {"solutionArn": SOLUTION_ARN}, {"solutionVersions": list(summaries)})


def expect_describe(h: Harness, arn: str, response: dict[str, Any]) -> None:
    h.expect("describe_solution_version", {"solutionVersionArn": arn}, response)


def expect_tags(h: Harness, arn: str, adopted_for: str | None = None) -> None:
    """ListTagsForResource of `arn`: an unrelated tag, plus ours when `adopted_for` is given."""
    tags = [{"tagKey": "team", "tagValue": "data-science"}]
    if adopted_for is not None:
        tags.append({"tagKey": constants.ADOPTED_VERSION_TAG, "tagValue": adopted_for})
    h.expect("list_tags_for_resource", {"resourceArn": arn}, {"tags": tags})


def expect_tag_adopted(h: Harness, arn: str, name: str = NAME) -> None:
    h.expect(
        "tag_resource",
        {"resourceArn": arn, "tags": [{"tagKey": constants.ADOPTED_VERSION_TAG, "tagValue": name}]},
    )


def test_create_starts_training_named_for_the_trigger(h):
    # GIVEN a solution without versions WHEN created THEN CreateSolutionVersion with the trigger's name
    expect_list(h)
    h.expect(
        "create_solution_version",
        {"solutionArn": SOLUTION_ARN, "trainingMode": "FULL", "name": NAME},
        {"solutionVersionArn": VERSION_ARN},
    )
    assert h.on_event(event("Create")) == {"PhysicalResourceId": VERSION_ARN, "Data": STARTED}


def test_create_passes_update_mode_and_tags(h):
    props = {**PROPS, "TrainingMode": "UPDATE", "Tags": '[{"tagKey": "k", "tagValue": "v"}]'}
    expect_list(h)
    h.expect(
        "create_solution_version",
        {
            "solutionArn": SOLUTION_ARN,
            "trainingMode": "UPDATE",
            "name": names.version_name("import 2026-01", "UPDATE"),
            "tags": [{"tagKey": "k", "tagValue": "v"}],
        },
        {"solutionVersionArn": VERSION_ARN},
    )
    assert h.on_event(event("Create", props))["PhysicalResourceId"] == VERSION_ARN


def test_finds_the_version_named_for_the_trigger_instead_of_training(h):
    # GIVEN an auto-trained version, an older cdk version and the one named for this trigger
    expect_list(
        h,
        summary(OLD_VERSION_ARN, created=-900),
        summary(VERSION_ARN, "CREATE IN_PROGRESS", created=-100),
        summary(SOLUTION_ARN + "/auto", training_type="AUTOMATIC", created=-50),
    )
    # WHEN created THEN only MANUAL ones are described, newest first, and the named one is reused
    expect_describe(h, VERSION_ARN, version(status="CREATE IN_PROGRESS"))
    result = h.on_event(event("Create"))
    assert result["PhysicalResourceId"] == VERSION_ARN


def test_rollback_to_the_old_trigger_finds_the_old_version_without_training(h):
    # GIVEN an Update back to the old trigger (CloudFormation's rollback)
    old_props = {**PROPS, "Trigger": "import 2026-02"}
    expect_list(h, summary(VERSION_ARN, created=-10), summary(OLD_VERSION_ARN, created=-900))
    expect_describe(h, VERSION_ARN, version(name=names.version_name("import 2026-02", "FULL")))
    expect_describe(h, OLD_VERSION_ARN, version(OLD_VERSION_ARN))
    # WHEN updated THEN the old version is the physical id again, no CreateSolutionVersion
    result = h.on_event(event("Update", physical_id=VERSION_ARN, old_props=old_props))
    assert result["PhysicalResourceId"] == OLD_VERSION_ARN


def test_adopts_the_newest_manual_notebook_version_never_an_automatic_one(h):
    # GIVEN a newer AUTOMATIC version and two MANUAL (notebook) versions, none named cdk-
    notebook = SOLUTION_ARN + "/notebook"
    expect_list(
        h,
        summary(SOLUTION_ARN + "/auto", training_type="AUTOMATIC", created=-10),
        summary(notebook, created=-500),
        summary(OLD_VERSION_ARN, created=-900),
    )
    expect_describe(h, notebook, version(notebook, name="notebook-version"))
    expect_describe(h, OLD_VERSION_ARN, version(OLD_VERSION_ARN, name="first-try"))
    expect_tags(h, notebook)
    expect_tags(h, OLD_VERSION_ARN)
    # WHEN created THEN the newest MANUAL one is tagged for this trigger and adopted
    expect_tag_adopted(h, notebook)
    assert h.on_event(event("Create"))["PhysicalResourceId"] == notebook
    assert any("adopting the existing manual version" in line for line in h.logs)


NOTEBOOK_ARN = SOLUTION_ARN + "/notebook"
V2_PROPS = {**PROPS, "Trigger": "import 2026-02"}
V2_NAME = names.version_name("import 2026-02", "FULL")


def test_first_adoption_tags_the_notebook_version_with_the_version_name(h):
    # GIVEN only the notebook's version (not named cdk-, not tagged)
    expect_list(h, summary(NOTEBOOK_ARN, created=-500))
    expect_describe(h, NOTEBOOK_ARN, version(NOTEBOOK_ARN, name="notebook-version"))
    expect_tags(h, NOTEBOOK_ARN)
    # WHEN created THEN it is tagged personalize-cdk:version-name = the trigger's name, no training
    expect_tag_adopted(h, NOTEBOOK_ARN)
    result = h.on_event(event("Create"))
    assert result == {
        "PhysicalResourceId": NOTEBOOK_ARN,
        "Data": {"SolutionVersionArn": NOTEBOOK_ARN, "StartedAt": str(int(T0))},
    }
    assert constants.ADOPTED_VERSION_TAG == "personalize-cdk:version-name"


def test_a_repeated_event_finds_the_tagged_notebook_version_without_tagging_again(h):
    # GIVEN the notebook version already adopted (tagged) for this trigger
    expect_list(h, summary(NOTEBOOK_ARN, created=-500))
    expect_describe(h, NOTEBOOK_ARN, version(NOTEBOOK_ARN, name="notebook-version"))
    expect_tags(h, NOTEBOOK_ARN, adopted_for=NAME)
    # WHEN the same event comes again THEN the same version, no TagResource, no training
    assert h.on_event(event("Create"))["PhysicalResourceId"] == NOTEBOOK_ARN


def test_trigger_change_after_adoption_trains_instead_of_adopting_again(h):
    # GIVEN the notebook version adopted (tagged) for trigger v1, and no cdk- version yet
    expect_list(h, summary(NOTEBOOK_ARN, created=-500))
    expect_describe(h, NOTEBOOK_ARN, version(NOTEBOOK_ARN, name="notebook-version"))
    expect_tags(h, NOTEBOOK_ARN, adopted_for=NAME)
    # WHEN updated to trigger v2 THEN the tag counts as ours: CreateSolutionVersion for v2
    h.expect(
        "create_solution_version",
        {"solutionArn": SOLUTION_ARN, "trainingMode": "FULL", "name": V2_NAME},
        {"solutionVersionArn": VERSION_ARN},
    )
    result = h.on_event(event("Update", V2_PROPS, physical_id=NOTEBOOK_ARN, old_props=PROPS))
    assert result["PhysicalResourceId"] == VERSION_ARN
    assert not any("adopting" in line for line in h.logs)


def test_rollback_to_v1_after_a_v2_version_finds_the_tagged_notebook_version(h):
    # GIVEN v2's cdk- version, a failed manual try and the notebook version tagged for v1
    failed = SOLUTION_ARN + "/failed-try"
    expect_list(
        h,
        summary(VERSION_ARN, created=-10),
        summary(failed, "CREATE FAILED", created=-300),
        summary(NOTEBOOK_ARN, created=-500),
    )
    expect_describe(h, VERSION_ARN, version(name=V2_NAME))
    expect_describe(h, failed, version(failed, status="CREATE FAILED", name="retry"))
    expect_describe(h, NOTEBOOK_ARN, version(NOTEBOOK_ARN, name="notebook-version"))
    # THEN tags are read only for the usable MANUAL version not named cdk-
    expect_tags(h, NOTEBOOK_ARN, adopted_for=NAME)
    # WHEN rolled back to v1 THEN the notebook version again, no training, no tagging
    result = h.on_event(event("Update", physical_id=VERSION_ARN, old_props=V2_PROPS))
    assert result["PhysicalResourceId"] == NOTEBOOK_ARN


def test_automatic_versions_are_never_adopted_nor_tagged(h):
    # GIVEN ACTIVE and training AUTOMATIC versions newer than the notebook's
    expect_list(
        h,
        summary(SOLUTION_ARN + "/auto-2", "CREATE IN_PROGRESS", training_type="AUTOMATIC", created=-5),
        summary(SOLUTION_ARN + "/auto-1", training_type="AUTOMATIC", created=-50),
        summary(NOTEBOOK_ARN, created=-500),
    )
    # WHEN created THEN they are neither described, nor read for tags, nor tagged
    expect_describe(h, NOTEBOOK_ARN, version(NOTEBOOK_ARN, name="notebook-version"))
    expect_tags(h, NOTEBOOK_ARN)
    expect_tag_adopted(h, NOTEBOOK_ARN)
    assert h.on_event(event("Create"))["PhysicalResourceId"] == NOTEBOOK_ARN


def test_trains_when_only_automatic_versions_exist(h):
    expect_list(h, summary(SOLUTION_ARN + "/auto", training_type="AUTOMATIC"))
    h.expect(
        "create_solution_version",
        {"solutionArn": SOLUTION_ARN, "trainingMode": "FULL", "name": NAME},
        {"solutionVersionArn": VERSION_ARN},
    )
    assert h.on_event(event("Create"))["PhysicalResourceId"] == VERSION_ARN


def test_trains_when_a_cdk_version_exists_but_none_for_this_trigger(h):
    # GIVEN a version this app trained for another trigger WHEN created THEN no notebook adoption
    expect_list(h, summary(OLD_VERSION_ARN))
    expect_describe(h, OLD_VERSION_ARN, version(OLD_VERSION_ARN, name="cdk-full-other-12345678"))
    h.expect(
        "create_solution_version",
        {"solutionArn": SOLUTION_ARN, "trainingMode": "FULL", "name": NAME},
        {"solutionVersionArn": VERSION_ARN},
    )
    assert h.on_event(event("Create"))["PhysicalResourceId"] == VERSION_ARN


def test_fails_when_the_version_name_exists_but_failed(h):
    # GIVEN the version for this trigger exists but failed (looked up before and after the create)
    expect_list(h, summary(OLD_VERSION_ARN, "CREATE FAILED"))
    expect_describe(h, OLD_VERSION_ARN, version(OLD_VERSION_ARN, status="CREATE FAILED"))
    h.fail("create_solution_version", "ResourceAlreadyExistsException")
    expect_list(h, summary(OLD_VERSION_ARN, "CREATE FAILED"))
    expect_describe(h, OLD_VERSION_ARN, version(OLD_VERSION_ARN, status="CREATE FAILED"))
    # WHEN the create is attempted THEN the deploy fails asking for a new trigger
    with pytest.raises(DeployError, match="already exists but failed or was stopped; change the trigger"):
        h.on_event(event("Create"))


def test_a_concurrent_duplicate_create_adopts_the_version_the_other_delivery_started(h):
    # GIVEN no version yet when this delivery looks, but the other delivery of the same event
    # creates it before this one's CreateSolutionVersion (which then says it exists)
    expect_list(h)
    h.fail("create_solution_version", "ResourceAlreadyExistsException")
    expect_list(h, summary(VERSION_ARN, "CREATE PENDING"))
    expect_describe(h, VERSION_ARN, version(VERSION_ARN, status="CREATE PENDING"))
    # WHEN this delivery's onEvent finishes THEN it answers with that version: one training
    assert h.on_event(event("Create"))["PhysicalResourceId"] == VERSION_ARN


def test_fails_when_the_training_mode_is_unknown(h):
    with pytest.raises(DeployError, match="TrainingMode must be one of FULL, UPDATE"):
        h.on_event(event("Create", {**PROPS, "TrainingMode": "AUTOTRAIN"}))


def is_complete_event() -> dict[str, Any]:
    return then_complete({"PhysicalResourceId": VERSION_ARN, "Data": STARTED}, event("Create"))


def test_is_complete_when_active_reads_metrics_logs_emf_and_returns_the_summary(h):
    # GIVEN an ACTIVE version above its gate
    expect_describe(h, VERSION_ARN, version())
    h.expect(
        "get_solution_metrics",
        {"solutionVersionArn": VERSION_ARN},
        {"solutionVersionArn": VERSION_ARN, "metrics": {NDCG: 0.2, "coverage": 0.4}},
    )
    # WHEN polled THEN complete with Status ACTIVE and the Summary, one EMF line logged
    result = h.is_complete(is_complete_event())
    assert result["IsComplete"] is True
    data = result["Data"]
    assert data["SolutionVersionArn"] == VERSION_ARN and data["Status"] == "ACTIVE"
    assert json.loads(data["Summary"]) == {
        "solutionVersionArn": VERSION_ARN,
        "trainingMode": "FULL",
        "trigger": "import 2026-01",
        "metrics": {"coverage": 0.4, NDCG: 0.2},
        "trainedAt": "2026-01-01T00:00:00+00:00",
    }
    emf = [json.loads(line) for line in h.logs if line.startswith('{"_aws"')]
    assert len(emf) == 1 and emf[0]["Solution"] == "shop-up" and emf[0][NDCG] == 0.2


def test_fails_when_a_gate_is_not_met_naming_value_and_threshold(h):
    expect_describe(h, VERSION_ARN, version())
    h.expect(
        "get_solution_metrics",
        {"solutionVersionArn": VERSION_ARN},
        {"solutionVersionArn": VERSION_ARN, "metrics": {NDCG: 0.0312}},
    )
    with pytest.raises(DeployError) as failure:
        h.is_complete(is_complete_event())
    assert (
        failure.value.message == f"gate failed for solution shop-up: {NDCG} = 0.0312 < 0.05 ({VERSION_ARN})"
    )


def test_fails_when_a_gated_metric_is_missing_from_empty_metrics(h):
    expect_describe(h, VERSION_ARN, version())
    h.expect("get_solution_metrics", {"solutionVersionArn": VERSION_ARN}, {"solutionVersionArn": VERSION_ARN})
    with pytest.raises(DeployError, match=f"{NDCG} = missing < 0.05"):
        h.is_complete(is_complete_event())


def test_fails_when_training_is_create_failed_with_its_reason(h):
    expect_describe(h, VERSION_ARN, version(status="CREATE FAILED", failureReason="Not enough interactions"))
    with pytest.raises(DeployError) as failure:
        h.is_complete(is_complete_event())
    assert failure.value.message == f"solution version {VERSION_ARN} failed: Not enough interactions"


def test_fails_when_training_was_stopped(h):
    expect_describe(h, VERSION_ARN, version(status="CREATE STOPPED"))
    with pytest.raises(DeployError, match="was stopped"):
        h.is_complete(is_complete_event())


def test_training_waits_then_hands_over_at_the_link_deadline(h):
    # GIVEN a version still training
    expect_describe(h, VERSION_ARN, version(status="CREATE IN_PROGRESS"))
    assert h.is_complete(is_complete_event()) == {"IsComplete": False}
    # WHEN the link's LinkSeconds have passed THEN complete with the training status, no summary
    h.clock.advance(3300)
    expect_describe(h, VERSION_ARN, version(status="CREATE IN_PROGRESS"))
    assert h.is_complete(is_complete_event()) == {
        "IsComplete": True,
        "Data": {"SolutionVersionArn": VERSION_ARN, "Status": "CREATE IN_PROGRESS", "Summary": ""},
    }


@pytest.mark.parametrize(("code", "status"), [("ThrottlingException", 400), ("InternalServerError", 500)])
def test_transient_errors_in_is_complete_mean_not_complete(h, code, status):
    # GIVEN Personalize throttling or failing with 5xx WHEN polled THEN simply not complete yet
    h.fail("describe_solution_version", code, {"solutionVersionArn": VERSION_ARN}, status=status)
    assert h.is_complete(is_complete_event()) == {"IsComplete": False}


def test_delete_stops_a_version_still_training(h):
    expect_describe(h, VERSION_ARN, version(status="CREATE PENDING"))
    expect_tags(h, VERSION_ARN)  # not kept training
    expect_tags(h, VERSION_ARN)  # not an adopted notebook version
    h.expect("stop_solution_version_creation", {"solutionVersionArn": VERSION_ARN})
    raw = event("Delete", physical_id=VERSION_ARN)
    result = h.on_event(raw)
    assert result["PhysicalResourceId"] == VERSION_ARN
    assert h.is_complete(then_complete(result, raw)) == {"IsComplete": True}


def test_delete_leaves_training_a_version_the_last_link_gave_up_on(h):
    # GIVEN a version still training that the last wait link tagged at max_wait_minutes
    expect_describe(h, VERSION_ARN, version(status="CREATE IN_PROGRESS"))
    h.expect(
        "list_tags_for_resource",
        {"resourceArn": VERSION_ARN},
        {"tags": [{"tagKey": constants.KEEP_TRAINING_TAG, "tagValue": "true"}]},
    )
    # WHEN deleted (rollback cleanup) THEN it is not stopped: the next deploy picks it up
    raw = event("Delete", physical_id=VERSION_ARN)
    assert h.on_event(raw)["PhysicalResourceId"] == VERSION_ARN
    h.stubber.assert_no_pending_responses()


def test_delete_releases_an_adopted_notebook_version_still_training(h):
    # GIVEN the notebook's version, adopted (tagged) by a first deploy, still training
    expect_describe(h, VERSION_ARN, version(status="CREATE IN_PROGRESS"))
    expect_tags(h, VERSION_ARN)
    h.expect(
        "list_tags_for_resource",
        {"resourceArn": VERSION_ARN},
        {"tags": [{"tagKey": constants.ADOPTED_VERSION_TAG, "tagValue": "cdk-full-v1-12345678"}]},
    )
    # WHEN the failed first deploy deletes the version resource
    raw = event("Delete", physical_id=VERSION_ARN)
    assert h.on_event(raw)["PhysicalResourceId"] == VERSION_ARN
    # THEN it is released, not stopped: it was training before the stack existed
    h.stubber.assert_no_pending_responses()


def test_delete_leaves_a_finished_version_alone(h):
    expect_describe(h, VERSION_ARN, version())
    assert h.on_event(event("Delete", physical_id=VERSION_ARN))["PhysicalResourceId"] == VERSION_ARN


def test_delete_of_a_missing_version_succeeds(h):
    h.fail("describe_solution_version", "ResourceNotFoundException", {"solutionVersionArn": VERSION_ARN})
    assert h.on_event(event("Delete", physical_id=VERSION_ARN))["PhysicalResourceId"] == VERSION_ARN


def test_fails_when_the_solution_is_busy_training_another_version(h):
    # GIVEN no version for this trigger, while another version of the solution is still training
    expect_list(h)
    h.fail("create_solution_version", "ResourceInUseException")
    # WHEN the deploy asks for training THEN it fails saying why and what to do
    with pytest.raises(DeployError, match=r"is busy training another version .*redeploy once that version"):
        h.on_event(event("Create"))
