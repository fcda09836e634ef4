"""The fake Amazon Personalize behaves like the real one where our handlers can tell."""

# Fixtures are imported by name and then requested as parameters: F811 is expected here.
# ruff: noqa: F811

from __future__ import annotations

import json
import urllib.error
import urllib.request

import boto3
import pytest
from botocore.exceptions import ClientError

from simulation.personalize import (
    DEFAULT_METRICS,
    Durations,
    FakePersonalize,
    PersonalizeError,
)
from simulation.personalize_server import FakePersonalizeServer, make_client
from tests.fixtures import (  # noqa: F401
    clock,
    fake_personalize,
    personalize_client,
)

UP = "arn:aws:personalize:::recipe/aws-user-personalization"
SIMS = "arn:aws:personalize:::recipe/aws-sims"
ACCOUNT_PREFIX = "arn:aws:personalize:us-east-1:111111111111:"


def error_code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def active_solution(fake, client, clock, name="sol", recipe=UP) -> str:
    """GIVEN a dataset group with imported interactions and an ACTIVE solution."""
    dg = fake.seed_dataset_group(f"{name}-dg")
    arn = client.create_solution(name=name, datasetGroupArn=dg, recipeArn=recipe, performAutoTraining=False)[
        "solutionArn"
    ]
    clock.advance(fake.durations.solution_create)
    return str(arn)


def trained_version(fake, client, clock, solution_arn, **kwargs) -> str:
    arn = client.create_solution_version(solutionArn=solution_arn, **kwargs)["solutionVersionArn"]
    clock.advance(fake.durations.training)
    return str(arn)


def active_campaign(fake, client, clock, version_arn, name="camp") -> str:
    arn = client.create_campaign(name=name, solutionVersionArn=version_arn)["campaignArn"]
    clock.advance(fake.durations.campaign_create)
    return str(arn)


# ---- lifecycle ---------------------------------------------------------------------------------
def test_solution_version_status_follows_virtual_time(fake_personalize, personalize_client, clock):
    # GIVEN an ACTIVE solution
    solution = active_solution(fake_personalize, personalize_client, clock)
    # WHEN a version is created
    arn = personalize_client.create_solution_version(solutionArn=solution)["solutionVersionArn"]

    def status() -> str:
        described = personalize_client.describe_solution_version(solutionVersionArn=arn)
        return str(described["solutionVersion"]["status"])

    # THEN it is PENDING for a minute, IN_PROGRESS until the training time, then ACTIVE
    assert arn.startswith(solution + "/") and len(arn.rsplit("/", 1)[1]) == 8
    assert status() == "CREATE PENDING"
    clock.advance(60)
    assert status() == "CREATE IN_PROGRESS"
    clock.advance(35 * 60 - 61)
    assert status() == "CREATE IN_PROGRESS"
    clock.advance(1)
    version = personalize_client.describe_solution_version(solutionVersionArn=arn)["solutionVersion"]
    assert version["status"] == "ACTIVE"
    assert version["trainingMode"] == "FULL" and version["trainingType"] == "MANUAL"
    assert version["lastUpdatedDateTime"].timestamp() == clock.now()
    metrics = personalize_client.get_solution_metrics(solutionVersionArn=arn)["metrics"]
    assert metrics == DEFAULT_METRICS


def test_version_arns_are_deterministic(clock):
    # GIVEN two fakes driven the same way
    arns = []
    for _ in range(2):
        fake = FakePersonalize(clock)
        dg = fake.seed_dataset_group()
        solution = fake.seed_solution(dg)
        # WHEN a version is created in each
        arns.append(fake.call("CreateSolutionVersion", {"solutionArn": solution}))
    # THEN both got the same ARN
    assert arns[0] == arns[1]


def test_create_solution_defaults_to_auto_training(fake_personalize, personalize_client):
    # GIVEN a dataset group; WHEN a solution is created without performAutoTraining
    dg = fake_personalize.seed_dataset_group()
    arn = personalize_client.create_solution(name="s", datasetGroupArn=dg, recipeArn=UP)["solutionArn"]
    # THEN auto-training is on, weekly
    solution = personalize_client.describe_solution(solutionArn=arn)["solution"]
    assert arn == ACCOUNT_PREFIX + "solution/s"
    assert solution["performAutoTraining"] is True
    assert solution["solutionConfig"]["autoTrainingConfig"] == {"schedulingExpression": "rate(7 days)"}
    assert solution["status"] == "CREATE PENDING"


def test_update_solution_shows_latest_solution_update(fake_personalize, personalize_client, clock):
    # GIVEN an ACTIVE solution without auto-training
    solution = active_solution(fake_personalize, personalize_client, clock)
    # WHEN auto-training is turned on
    personalize_client.update_solution(
        solutionArn=solution,
        performAutoTraining=True,
        solutionUpdateConfig={"autoTrainingConfig": {"schedulingExpression": "rate(3 days)"}},
    )
    described = personalize_client.describe_solution(solutionArn=solution)["solution"]
    # THEN the update is in progress and the solution still shows the old setting
    assert described["latestSolutionUpdate"]["status"] == "CREATE PENDING"
    assert described["performAutoTraining"] is False
    # AND a second update is refused meanwhile
    with pytest.raises(ClientError) as exc:
        personalize_client.update_solution(solutionArn=solution, performAutoTraining=False)
    assert error_code(exc) == "ResourceInUseException"
    # AND once done the solution carries the new setting
    clock.advance(fake_personalize.durations.solution_update)
    described = personalize_client.describe_solution(solutionArn=solution)["solution"]
    assert described["latestSolutionUpdate"]["status"] == "ACTIVE"
    assert described["performAutoTraining"] is True
    assert described["solutionConfig"]["autoTrainingConfig"]["schedulingExpression"] == ("rate(3 days)")


def test_deletion_takes_time_then_resource_is_gone(fake_personalize, personalize_client, clock):
    # GIVEN an ACTIVE filter
    dg = fake_personalize.seed_dataset_group()
    arn = personalize_client.create_filter(
        name="f", datasetGroupArn=dg, filterExpression='EXCLUDE ItemID WHERE Items.X IN ("a")'
    )["filterArn"]
    clock.advance(30)
    # WHEN it is deleted
    personalize_client.delete_filter(filterArn=arn)
    # THEN it is DELETE PENDING, then IN_PROGRESS, then not found
    assert personalize_client.describe_filter(filterArn=arn)["filter"]["status"] == "DELETE PENDING"
    clock.advance(30)
    status = personalize_client.describe_filter(filterArn=arn)["filter"]["status"]
    assert status == "DELETE IN_PROGRESS"
    clock.advance(30)
    with pytest.raises(ClientError) as exc:
        personalize_client.describe_filter(filterArn=arn)
    assert error_code(exc) == "ResourceNotFoundException"


# ---- HTTP protocol and validation --------------------------------------------------------------
def post(endpoint: str, target: str, body: bytes) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(
        endpoint + "/",
        data=body,
        method="POST",
        headers={"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_fails_when_request_misses_a_required_parameter(fake_personalize):
    # GIVEN a raw request (botocore's client would refuse it before sending)
    # WHEN CreateSolutionVersion is sent without solutionArn and with an unknown key
    status, body = post(
        fake_personalize.endpoint_url,
        "AmazonPersonalize.CreateSolutionVersion",
        json.dumps({"trainingMode": "FULL", "bogus": 1}).encode(),
    )
    # THEN the server answers 400 with botocore's validation report
    assert status == 400
    assert body["__type"] == "ValidationException"
    assert 'Missing required parameter in input: "solutionArn"' in body["message"]
    assert 'Unknown parameter in input: "bogus"' in body["message"]
    assert fake_personalize.calls[-1].outcome == "ValidationException"


def test_fails_when_operation_is_unknown(fake_personalize):
    status, body = post(fake_personalize.endpoint_url, "AmazonPersonalize.MakeCoffee", b"{}")
    assert (status, body["__type"]) == (400, "UnknownOperationException")


def test_fails_when_name_breaks_the_pattern(fake_personalize, personalize_client):
    # GIVEN a name starting with a dash (botocore does not check patterns client-side)
    # WHEN a dataset group is created with it, or with 64 characters
    for name in ("-bad", "a" * 64):
        with pytest.raises(ClientError) as exc:
            personalize_client.create_dataset_group(name=name)
        # THEN Personalize refuses it
        assert error_code(exc) == "InvalidInputException"
        assert "at 'name' failed to satisfy constraint" in str(exc.value)


def test_client_from_env_var_reaches_the_fake(fake_personalize, monkeypatch):
    # GIVEN only AWS_ENDPOINT_URL_PERSONALIZE points at the fake
    monkeypatch.setenv("AWS_ENDPOINT_URL_PERSONALIZE", fake_personalize.endpoint_url)
    client = boto3.client(
        "personalize", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    # WHEN recipes are listed THEN the fake answers
    names = [r["name"] for r in client.list_recipes()["recipes"]]
    assert "aws-user-personalization-v2" in names and "aws-next-best-action" in names
    assert fake_personalize.calls_named("ListRecipes")


# ---- rules -------------------------------------------------------------------------------------
def test_fails_when_solution_name_is_taken(fake_personalize, personalize_client, clock):
    # GIVEN a solution named sol
    active_solution(fake_personalize, personalize_client, clock)
    dg = fake_personalize.seed_dataset_group("other")
    # WHEN another solution with the same name is created, even in another dataset group
    with pytest.raises(ClientError) as exc:
        personalize_client.create_solution(name="sol", datasetGroupArn=dg, recipeArn=SIMS)
    # THEN ResourceAlreadyExists
    assert error_code(exc) == "ResourceAlreadyExistsException"


def test_fails_when_dataset_group_still_has_children(fake_personalize, personalize_client, clock):
    # GIVEN a dataset group with a dataset and a solution
    solution = active_solution(fake_personalize, personalize_client, clock)
    dg = personalize_client.describe_solution(solutionArn=solution)["solution"]["datasetGroupArn"]
    # WHEN it is deleted THEN ResourceInUse
    with pytest.raises(ClientError) as exc:
        personalize_client.delete_dataset_group(datasetGroupArn=dg)
    assert error_code(exc) == "ResourceInUseException"


def test_fails_when_solution_is_deleted_while_training_or_serving(
    fake_personalize, personalize_client, clock
):
    # GIVEN a solution with a version in training
    solution = active_solution(fake_personalize, personalize_client, clock)
    version = personalize_client.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    # WHEN the solution is deleted THEN ResourceInUse
    with pytest.raises(ClientError) as exc:
        personalize_client.delete_solution(solutionArn=solution)
    assert error_code(exc) == "ResourceInUseException"
    # AND once trained and used by a campaign, still ResourceInUse
    clock.advance(35 * 60)
    campaign = active_campaign(fake_personalize, personalize_client, clock, version)
    with pytest.raises(ClientError) as exc:
        personalize_client.delete_solution(solutionArn=solution)
    assert error_code(exc) == "ResourceInUseException"
    # AND after the campaign is gone the solution can go, and its versions with it
    personalize_client.delete_campaign(campaignArn=campaign)
    clock.advance(60)
    personalize_client.delete_solution(solutionArn=solution)
    clock.advance(60)
    assert not fake_personalize.exists(solution) and not fake_personalize.exists(version)


def test_fails_when_training_without_imported_interactions(fake_personalize, personalize_client, clock):
    # GIVEN a solution whose dataset group has an interactions dataset, import still running
    dg = fake_personalize.seed_dataset_group("bare", with_interactions=False)
    schema = personalize_client.create_schema(name="sch", schema="{}")["schemaArn"]
    dataset = personalize_client.create_dataset(
        name="ints", schemaArn=schema, datasetGroupArn=dg, datasetType="Interactions"
    )["datasetArn"]
    personalize_client.create_dataset_import_job(
        jobName="imp",
        datasetArn=dataset,
        dataSource={"dataLocation": "s3://b/i.csv"},
        roleArn="arn:aws:iam::111111111111:role/r",
    )
    solution = personalize_client.create_solution(
        name="s", datasetGroupArn=dg, recipeArn=UP, performAutoTraining=False
    )["solutionArn"]
    clock.advance(60)
    # WHEN a version is created THEN InvalidInput
    with pytest.raises(ClientError) as exc:
        personalize_client.create_solution_version(solutionArn=solution)
    assert error_code(exc) == "InvalidInputException"
    # AND after the import is ACTIVE, training starts
    clock.advance(fake_personalize.durations.import_job)
    assert personalize_client.create_solution_version(solutionArn=solution)["solutionVersionArn"]


def test_fails_when_update_mode_has_no_active_version_or_wrong_recipe_v2_included(
    fake_personalize, personalize_client, clock
):
    # GIVEN a user-personalization solution without versions, and trained SIMS and v2 solutions
    up = active_solution(fake_personalize, personalize_client, clock, "up")
    sims = active_solution(fake_personalize, personalize_client, clock, "sims", SIMS)
    trained_version(fake_personalize, personalize_client, clock, sims)
    v2 = active_solution(fake_personalize, personalize_client, clock, "v2", f"{UP}-v2")
    trained_version(fake_personalize, personalize_client, clock, v2)
    # WHEN UPDATE training is asked for any THEN InvalidInput
    for solution in (up, sims, v2):
        with pytest.raises(ClientError) as exc:
            personalize_client.create_solution_version(solutionArn=solution, trainingMode="UPDATE")
        assert error_code(exc) == "InvalidInputException"
    # AND after a FULL version of the user-personalization solution, UPDATE works
    trained_version(fake_personalize, personalize_client, clock, up)
    arn = trained_version(fake_personalize, personalize_client, clock, up, trainingMode="UPDATE")
    described = personalize_client.describe_solution_version(solutionVersionArn=arn)
    assert described["solutionVersion"]["trainingMode"] == "UPDATE"


def test_version_name_in_describe_not_in_list(fake_personalize, personalize_client, clock):
    # GIVEN two versions, the newer one named, and an auto-trained third
    solution = active_solution(fake_personalize, personalize_client, clock)
    first = trained_version(fake_personalize, personalize_client, clock, solution)
    second = trained_version(fake_personalize, personalize_client, clock, solution, name="cdk-v")
    clock.advance(1)
    third = fake_personalize.auto_train(solution)
    # WHEN they are described and listed
    described = personalize_client.describe_solution_version(solutionVersionArn=second)
    page1 = personalize_client.list_solution_versions(solutionArn=solution, maxResults=2)
    page2 = personalize_client.list_solution_versions(
        solutionArn=solution, maxResults=2, nextToken=page1["nextToken"]
    )
    # THEN Describe carries the name, summaries do not; newest first, paginated
    assert described["solutionVersion"]["name"] == "cdk-v"
    summaries = page1["solutionVersions"] + page2["solutionVersions"]
    assert [s["solutionVersionArn"] for s in summaries] == [third, second, first]
    assert all("name" not in s for s in summaries)
    assert summaries[0]["trainingType"] == "AUTOMATIC"
    assert "nextToken" not in page2


def test_stop_solution_version_creation(fake_personalize, personalize_client, clock):
    # GIVEN a version in training
    solution = active_solution(fake_personalize, personalize_client, clock)
    arn = personalize_client.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    clock.advance(120)
    # WHEN it is stopped
    personalize_client.stop_solution_version_creation(solutionVersionArn=arn)
    # THEN it is STOPPING, then STOPPED, and never becomes ACTIVE
    assert fake_personalize.status_of(arn) == "CREATE STOPPING"
    clock.advance(fake_personalize.durations.stop)
    assert fake_personalize.status_of(arn) == "CREATE STOPPED"
    clock.advance(3600)
    assert fake_personalize.status_of(arn) == "CREATE STOPPED"
    with pytest.raises(ClientError) as exc:
        personalize_client.get_solution_metrics(solutionVersionArn=arn)
    assert error_code(exc) == "InvalidInputException"


def test_fails_when_stopping_a_finished_version(fake_personalize, personalize_client, clock):
    solution = active_solution(fake_personalize, personalize_client, clock)
    arn = trained_version(fake_personalize, personalize_client, clock, solution)
    with pytest.raises(ClientError) as exc:
        personalize_client.stop_solution_version_creation(solutionVersionArn=arn)
    assert error_code(exc) == "InvalidInputException"


def test_fails_when_training_is_injected_to_fail(fake_personalize, personalize_client, clock):
    # GIVEN the next training fails
    solution = active_solution(fake_personalize, personalize_client, clock)
    fake_personalize.fail_next_training("Not enough interactions")
    # WHEN a version trains to the end
    arn = trained_version(fake_personalize, personalize_client, clock, solution)
    # THEN it is CREATE FAILED with the reason
    version = personalize_client.describe_solution_version(solutionVersionArn=arn)
    assert version["solutionVersion"]["status"] == "CREATE FAILED"
    assert version["solutionVersion"]["failureReason"] == "Not enough interactions"


# ---- campaigns ---------------------------------------------------------------------------------
def test_campaign_keeps_old_version_until_update_is_active(fake_personalize, personalize_client, clock):
    # GIVEN an ACTIVE campaign on version 1, and an ACTIVE version 2
    solution = active_solution(fake_personalize, personalize_client, clock)
    v1 = trained_version(fake_personalize, personalize_client, clock, solution)
    campaign = active_campaign(fake_personalize, personalize_client, clock, v1)
    v2 = trained_version(fake_personalize, personalize_client, clock, solution)
    # WHEN the campaign is updated to version 2 with 2 TPS
    personalize_client.update_campaign(campaignArn=campaign, solutionVersionArn=v2, minProvisionedTPS=2)
    described = personalize_client.describe_campaign(campaignArn=campaign)["campaign"]
    # THEN it still serves version 1 while the update runs
    assert described["status"] == "ACTIVE"
    assert (described["solutionVersionArn"], described["minProvisionedTPS"]) == (v1, 1)
    update = described["latestCampaignUpdate"]
    assert (update["solutionVersionArn"], update["status"]) == (v2, "CREATE PENDING")
    assert described["campaignConfig"] == {
        "itemExplorationConfig": {"explorationWeight": "0.3", "explorationItemAgeCutOff": "30"},
        "enableMetadataWithRecommendations": False,
        "syncWithLatestSolutionVersion": False,
    }
    # AND serves version 2 once the update is ACTIVE
    clock.advance(fake_personalize.durations.campaign_update)
    described = personalize_client.describe_campaign(campaignArn=campaign)["campaign"]
    assert (described["solutionVersionArn"], described["minProvisionedTPS"]) == (v2, 2)
    assert described["latestCampaignUpdate"]["status"] == "ACTIVE"


def test_fails_when_campaign_is_updated_while_busy(fake_personalize, personalize_client, clock):
    # GIVEN a campaign still being created
    solution = active_solution(fake_personalize, personalize_client, clock)
    v1 = trained_version(fake_personalize, personalize_client, clock, solution)
    campaign = personalize_client.create_campaign(name="c", solutionVersionArn=v1)["campaignArn"]
    # WHEN it is updated THEN ResourceInUse
    with pytest.raises(ClientError) as exc:
        personalize_client.update_campaign(campaignArn=campaign, minProvisionedTPS=3)
    assert error_code(exc) == "ResourceInUseException"
    # AND also while another update is in progress
    clock.advance(fake_personalize.durations.campaign_create)
    personalize_client.update_campaign(campaignArn=campaign, minProvisionedTPS=3)
    with pytest.raises(ClientError) as exc:
        personalize_client.update_campaign(campaignArn=campaign, minProvisionedTPS=4)
    assert error_code(exc) == "ResourceInUseException"


def test_fails_when_campaign_update_targets_unfinished_version(fake_personalize, personalize_client, clock):
    solution = active_solution(fake_personalize, personalize_client, clock)
    v1 = trained_version(fake_personalize, personalize_client, clock, solution)
    campaign = active_campaign(fake_personalize, personalize_client, clock, v1)
    training = personalize_client.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    with pytest.raises(ClientError) as exc:
        personalize_client.update_campaign(campaignArn=campaign, solutionVersionArn=training)
    assert error_code(exc) == "InvalidInputException"


def test_fails_when_campaign_update_is_injected_to_fail(fake_personalize, personalize_client, clock):
    # GIVEN the next campaign update fails
    solution = active_solution(fake_personalize, personalize_client, clock)
    v1 = trained_version(fake_personalize, personalize_client, clock, solution)
    campaign = active_campaign(fake_personalize, personalize_client, clock, v1)
    v2 = trained_version(fake_personalize, personalize_client, clock, solution)
    fake_personalize.fail_next_campaign_update("capacity")
    # WHEN the update finishes
    personalize_client.update_campaign(campaignArn=campaign, solutionVersionArn=v2)
    clock.advance(fake_personalize.durations.campaign_update)
    described = personalize_client.describe_campaign(campaignArn=campaign)["campaign"]
    # THEN the campaign still serves v1 and the update says why it failed
    assert described["solutionVersionArn"] == v1
    assert described["latestCampaignUpdate"]["status"] == "CREATE FAILED"
    assert described["latestCampaignUpdate"]["failureReason"] == "capacity"


# ---- injection and call log --------------------------------------------------------------------
def test_throttling_is_deterministic_by_seed():
    # GIVEN two identical fakes throttling half of the requests with the same seed
    outcomes = []
    for _ in range(2):
        fake = FakePersonalize()
        fake.throttle(0.5, seed=7)
        with FakePersonalizeServer(fake) as server:
            client = server.client()
            seen = []
            for _ in range(12):
                try:
                    client.list_recipes()
                    seen.append("ok")
                except ClientError as e:
                    seen.append(e.response["Error"]["Code"])
                    assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        outcomes.append(seen)
        # THEN the call log counts every attempt
        assert [c.outcome for c in fake.calls] == seen
    # THEN both saw the same sequence, with both outcomes present
    assert outcomes[0] == outcomes[1]
    assert {"ok", "ThrottlingException"} == set(outcomes[0])


def test_server_errors_answer_500(fake_personalize, personalize_client):
    fake_personalize.server_errors(1.0, seed=1)
    with pytest.raises(ClientError) as exc:
        personalize_client.list_recipes()
    assert error_code(exc) == "InternalServerError"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500


def test_standard_retries_recover_from_one_injected_error(fake_personalize):
    # GIVEN one injected throttle and a client that retries (as the handlers do)
    fake_personalize.inject_error("ListRecipes", "ThrottlingException", "Rate exceeded")
    client = make_client(fake_personalize.endpoint_url, max_attempts=3)
    # WHEN recipes are listed THEN the retry succeeds, two attempts logged
    assert client.list_recipes()["recipes"]
    assert [c.outcome for c in fake_personalize.calls] == ["ThrottlingException", "ok"]


def test_mutating_calls_counts_successes_and_attempts(fake_personalize, personalize_client):
    # GIVEN a created dataset group and a refused duplicate
    personalize_client.create_dataset_group(name="g")
    with pytest.raises(ClientError):
        personalize_client.create_dataset_group(name="g")
    personalize_client.list_dataset_groups()
    # THEN only the success counts as mutating, both as attempts
    assert [c.operation for c in fake_personalize.mutating_calls()] == ["CreateDatasetGroup"]
    assert len(fake_personalize.mutating_calls(include_failed=True)) == 2
    assert fake_personalize.calls_named("CreateDatasetGroup")[0].params == {"name": "g"}


def test_direct_calls_without_http(clock):
    # GIVEN the state alone; WHEN a call breaks a rule THEN PersonalizeError with the code
    fake = FakePersonalize(clock, durations=Durations(training=60))
    with pytest.raises(PersonalizeError) as exc:
        fake.call("DescribeSolution", {"solutionArn": ACCOUNT_PREFIX + "solution/nope"})
    assert exc.value.code == "ResourceNotFoundException"
    # AND metrics come from metrics_for_next_versions
    fake.metrics_for_next_versions = lambda arn: {"coverage": 0.5}
    solution = fake.seed_solution(fake.seed_dataset_group())
    arn = fake.call("CreateSolutionVersion", {"solutionArn": solution})["solutionVersionArn"]
    clock.advance(60)
    assert fake.call("GetSolutionMetrics", {"solutionVersionArn": arn})["metrics"] == {"coverage": 0.5}


def test_tags_round_trip(fake_personalize, personalize_client):
    arn = personalize_client.create_dataset_group(name="g", tags=[{"tagKey": "a", "tagValue": "1"}])[
        "datasetGroupArn"
    ]
    personalize_client.tag_resource(resourceArn=arn, tags=[{"tagKey": "b", "tagValue": "2"}])
    personalize_client.untag_resource(resourceArn=arn, tagKeys=["a"])
    tags = personalize_client.list_tags_for_resource(resourceArn=arn)["tags"]
    assert tags == [{"tagKey": "b", "tagValue": "2"}]


# ---- injected faults ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("how", "error"), [("500", "InternalServerError"), ("timeout", "ConnectionClosedError")]
)
def test_fails_when_the_answer_is_lost_after_the_service_acted(fake_personalize, clock, how, error):
    # GIVEN the next CreateDatasetGroup loses its answer, and a client that does not retry
    client = make_client(str(fake_personalize.endpoint_url), max_attempts=1)
    fake_personalize.lose_answer("CreateDatasetGroup", how=how)
    # WHEN a dataset group is created
    with pytest.raises(Exception) as raised:
        client.create_dataset_group(name="lost")
    # THEN the client saw the error, yet the group exists and the log says the answer was lost
    assert error in f"{type(raised.value).__name__} {raised.value}"
    [call] = fake_personalize.calls_named("CreateDatasetGroup")
    assert (call.outcome, call.answer_lost) == ("ok", True)
    assert fake_personalize.exists(f"{ACCOUNT_PREFIX}dataset-group/lost")


def test_fails_when_training_of_the_named_solution_fails_only(fake_personalize, personalize_client, clock):
    # GIVEN two solutions and a training failure aimed at the second one
    first = active_solution(fake_personalize, personalize_client, clock, name="first")
    second = active_solution(fake_personalize, personalize_client, clock, name="second")
    fake_personalize.fail_next_training("bad data", solution_arn=second)
    # WHEN both train
    ok = trained_version(fake_personalize, personalize_client, clock, first)
    bad = trained_version(fake_personalize, personalize_client, clock, second)
    # THEN only the second fails, with that reason
    assert fake_personalize.status_of(ok) == "ACTIVE"
    failed = personalize_client.describe_solution_version(solutionVersionArn=bad)["solutionVersion"]
    assert (failed["status"], failed["failureReason"]) == ("CREATE FAILED", "bad data")


def test_auto_training_makes_an_automatic_version_every_scheduled_period(
    fake_personalize, personalize_client, clock
):
    # GIVEN a solution with auto-training every 3 days, ACTIVE
    dg = fake_personalize.seed_dataset_group("auto-dg")
    solution = personalize_client.create_solution(
        name="auto",
        datasetGroupArn=dg,
        recipeArn=UP,
        performAutoTraining=True,
        solutionConfig={"autoTrainingConfig": {"schedulingExpression": "rate(3 days)"}},
    )["solutionArn"]
    clock.advance(fake_personalize.durations.solution_create)
    # WHEN just under one period passes THEN no version exists
    clock.advance(3 * 86400 - 60)
    assert personalize_client.list_solution_versions(solutionArn=solution)["solutionVersions"] == []
    # WHEN two periods and a training have passed
    clock.advance(3 * 86400 + 60 + fake_personalize.durations.training)
    summaries = personalize_client.list_solution_versions(solutionArn=solution)["solutionVersions"]
    # THEN two AUTOMATIC versions (AUTOTRAIN mode), the newest first, both ACTIVE
    assert [(s["trainingType"], s["trainingMode"], s["status"]) for s in summaries] == [
        ("AUTOMATIC", "AUTOTRAIN", "ACTIVE")
    ] * 2
    # AND turning auto-training off stops the schedule
    personalize_client.update_solution(solutionArn=solution, performAutoTraining=False)
    clock.advance(fake_personalize.durations.solution_update + 10 * 86400)
    assert len(personalize_client.list_solution_versions(solutionArn=solution)["solutionVersions"]) == 2
    assert fake_personalize.invalid_answers == []
