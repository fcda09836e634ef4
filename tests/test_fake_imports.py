"""The fake's dataset import jobs follow the API reference (CreateDatasetImportJob) and botocore's model."""

# Fixtures are imported by name and then requested as parameters: F811 is expected here.
# ruff: noqa: F811

from __future__ import annotations

import re

import pytest
from botocore.exceptions import ClientError
from botocore.model import StructureShape

from simulation.personalize.validation import service_model
from tests.fixtures import (  # noqa: F401
    clock,
    fake_personalize,
    personalize_client,
)

ROLE = "arn:aws:iam::111111111111:role/r"


def dataset(fake, client) -> str:
    """GIVEN an empty interactions dataset (no import yet)."""
    group = fake.seed_dataset_group("imports", with_interactions=False)
    schema = client.create_schema(name="imports-schema", schema="{}")["schemaArn"]
    return str(
        client.create_dataset(
            name="ints", schemaArn=schema, datasetGroupArn=group, datasetType="Interactions"
        )["datasetArn"]
    )


def start(client, dataset_arn: str, name: str, mode: str = "FULL") -> str:
    return str(
        client.create_dataset_import_job(
            jobName=name,
            datasetArn=dataset_arn,
            dataSource={"dataLocation": "s3://b/i.csv"},
            roleArn=ROLE,
            importMode=mode,
        )["datasetImportJobArn"]
    )


def model_statuses() -> set[str]:
    """The statuses botocore's model lists for a dataset import job (`A > B > C -or- D`)."""
    shape = service_model().shape_for("DatasetImportJob")
    assert isinstance(shape, StructureShape)
    doc = shape.members["status"].documentation
    text = re.sub(r"<[^>]+>", " ", doc).replace("&gt;", ">")
    (line,) = [part for part in text.split("states:")[1:]]
    return {s.strip() for s in re.split(r">|-or-", line) if s.strip()}


def test_fails_when_an_incremental_import_comes_before_any_bulk_import(
    fake_personalize, personalize_client, clock
):
    # GIVEN a dataset no import finished in yet
    arn = dataset(fake_personalize, personalize_client)
    # WHEN an INCREMENTAL import is asked for THEN InvalidInput: the first import must be FULL
    with pytest.raises(ClientError) as exc:
        start(personalize_client, arn, "first", "INCREMENTAL")
    assert exc.value.response["Error"]["Code"] == "InvalidInputException"
    assert "the first import must be FULL" in exc.value.response["Error"]["Message"]
    # AND after a FULL import ended, INCREMENTAL is accepted
    start(personalize_client, arn, "full")
    clock.advance(fake_personalize.durations.import_job)
    job = start(personalize_client, arn, "more", "INCREMENTAL")
    described = personalize_client.describe_dataset_import_job(datasetImportJobArn=job)["datasetImportJob"]
    assert described["importMode"] == "INCREMENTAL"


def test_fails_when_an_import_job_name_is_used_again(fake_personalize, personalize_client, clock):
    # GIVEN an import job that ended
    arn = dataset(fake_personalize, personalize_client)
    start(personalize_client, arn, "once")
    clock.advance(fake_personalize.durations.import_job)
    # WHEN another import asks for the same name THEN ResourceAlreadyExists (the ARN is the name)
    with pytest.raises(ClientError) as exc:
        start(personalize_client, arn, "once")
    assert exc.value.response["Error"]["Code"] == "ResourceAlreadyExistsException"
    assert len(personalize_client.list_dataset_import_jobs(datasetArn=arn)["datasetImportJobs"]) == 1


def test_import_job_statuses_are_the_ones_botocore_lists(fake_personalize, personalize_client, clock):
    # GIVEN one import that succeeds and one that fails
    arn = dataset(fake_personalize, personalize_client)
    seen: set[str] = set()
    ok = start(personalize_client, arn, "ok")
    fake_personalize.fail_next_import("Bad header")
    bad = start(personalize_client, arn, "bad")
    # WHEN they are described through their lifetime
    for _ in range(30):
        for job in (ok, bad):
            seen.add(
                personalize_client.describe_dataset_import_job(datasetImportJobArn=job)["datasetImportJob"][
                    "status"
                ]
            )
        clock.advance(fake_personalize.durations.import_job / 20)
    # THEN every status botocore's model lists is reached, and no other
    assert seen == model_statuses() == {"CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE", "CREATE FAILED"}
    failed = personalize_client.describe_dataset_import_job(datasetImportJobArn=bad)["datasetImportJob"]
    assert failed["failureReason"] == "Bad header"
