"""The dataset import's pure rules: job names, the import mode, the failure text; and the
beliefs they rest on, read from botocore's Personalize model."""

from __future__ import annotations

import re

from botocore.model import StringShape

from lambda_handlers import constants, contract
from lambda_handlers.dataset_import import (
    failure,
    import_mode,
    job_name,
    latest_of_version,
    of_version,
    running_other,
    stem,
)
from simulation.personalize.validation import service_model
from tests.test_fake_imports import model_statuses

PREFIX = "immersion-day-news-interactions"


def test_a_job_name_is_new_per_request_and_the_same_for_a_repeated_one() -> None:
    # GIVEN two requests for the same data, and one of them delivered again
    first, again, other = (job_name(PREFIX, "d25864f0", r) for r in ("req-1", "req-1", "req-2"))
    # THEN the repeated delivery names the same job, another request a new one, both of this data
    assert first == again != other
    assert first.startswith(f"{PREFIX}-d25864f0-") and of_version(other, PREFIX, "d25864f0")
    assert not of_version(first, PREFIX, "0badc0de")


def test_a_job_name_fits_the_models_name_shape_whatever_the_prefix() -> None:
    # GIVEN botocore's Name shape (length and pattern) and a prefix far over it
    shape = service_model().shape_for("Name")
    pattern = re.compile(shape.metadata["pattern"])
    long_prefix = "a-very-long-project-name-that-keeps-going-and-going-interactions-"
    # WHEN names are made
    names = [job_name(p, "d25864f0", "req") for p in (PREFIX, long_prefix)]
    # THEN each fits, and starts with the stem IAM grants (`dataset-import-job/{stem}-*`)
    for name, prefix in zip(names, (PREFIX, long_prefix), strict=True):
        assert len(name) <= shape.metadata["max"] and pattern.fullmatch(name)
        assert name.startswith(f"{stem(prefix)}-")


def test_the_first_import_is_full_whatever_the_config_says() -> None:
    # GIVEN a dataset whose only import failed or is still running
    jobs = [{"jobName": job_name(PREFIX, "aaaaaaaa", "r0"), "status": "CREATE FAILED"}]
    # THEN INCREMENTAL becomes FULL (the API accepts only FULL before a first bulk import)
    assert import_mode("INCREMENTAL", jobs, PREFIX, "bbbbbbbb") == "FULL"
    assert import_mode("INCREMENTAL", [], PREFIX, "bbbbbbbb") == "FULL"


def test_a_new_file_after_a_bulk_import_keeps_the_configured_mode() -> None:
    jobs = [{"jobName": job_name(PREFIX, "aaaaaaaa", "r0"), "status": "ACTIVE"}]
    assert import_mode("INCREMENTAL", jobs, PREFIX, "bbbbbbbb") == "INCREMENTAL"
    assert import_mode("FULL", jobs, PREFIX, "bbbbbbbb") == "FULL"


def test_a_file_imported_before_is_imported_full_again() -> None:
    # GIVEN A imported, then B (a rollback or a revert goes back to A)
    jobs = [
        {"jobName": job_name(PREFIX, "bbbbbbbb", "r1"), "status": "ACTIVE"},
        {"jobName": job_name(PREFIX, "aaaaaaaa", "r0"), "status": "ACTIVE"},
    ]
    assert import_mode("INCREMENTAL", jobs, PREFIX, "aaaaaaaa") == "FULL"


def test_another_running_import_is_found_but_not_ones_own() -> None:
    own = job_name(PREFIX, "aaaaaaaa", "r1")
    running = {"jobName": "other", "status": "CREATE IN_PROGRESS", "datasetImportJobArn": "arn:other"}
    assert running_other([{"jobName": own, "status": "CREATE PENDING"}, running], own) == "arn:other"
    assert running_other([{"jobName": own, "status": "CREATE PENDING"}], own) is None
    assert running_other([{**running, "status": "ACTIVE"}], own) is None


def test_the_failure_reason_comes_first_in_one_line() -> None:
    text = failure("job-1", "s3://b/k.csv", "Column EVENT_TYPE is missing")
    assert text == "Column EVENT_TYPE is missing (dataset import job job-1 of s3://b/k.csv)"
    assert failure("job-1", "s3://b/k.csv", None).startswith("Personalize gives no reason")


def test_import_modes_and_statuses_are_the_models() -> None:
    modes = service_model().shape_for("ImportMode")
    assert isinstance(modes, StringShape)
    assert set(contract.IMPORT_MODES) == set(modes.enum)
    assert set(constants.Status.IMPORT_JOB) == model_statuses()


def test_the_job_a_same_data_update_stands_on_is_the_newest_that_did_not_fail() -> None:
    # GIVEN three imports of data version A (the newest failed) and one of B
    jobs = [
        {"jobName": job_name(PREFIX, "aaaaaaaa", "r0"), "status": "ACTIVE", "creationDateTime": 10.0},
        {"jobName": job_name(PREFIX, "aaaaaaaa", "r2"), "status": "ACTIVE", "creationDateTime": 30.0},
        {"jobName": job_name(PREFIX, "aaaaaaaa", "r3"), "status": "CREATE FAILED", "creationDateTime": 40.0},
        {"jobName": job_name(PREFIX, "bbbbbbbb", "r1"), "status": "ACTIVE", "creationDateTime": 20.0},
    ]
    found = latest_of_version(jobs, PREFIX, "aaaaaaaa")
    assert found is not None and found["jobName"] == job_name(PREFIX, "aaaaaaaa", "r2")
    assert latest_of_version(jobs, PREFIX, "cccccccc") is None
