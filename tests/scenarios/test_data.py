"""Data files on deploy: published as assets, copied into the data bucket, imported, kept, deleted.

S3 is moto (`mock_aws`); the simulator publishes the template's file assets to the bootstrap
bucket before each deploy, as `cdk deploy` does, and plays the data bucket.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from tests.scenarios.world import World, templates
from tests.support import synth

DATA_DIR = Path(__file__).resolve().parents[2] / "config" / "data"
INTERACTIONS = DATA_DIR / "interactions.csv"
COPY = "InteractionsDataCopy"
IMPORT = "InteractionsImport"


def changed_csv(extra_rows: int) -> Path:
    """The default interactions CSV with rows appended, in a file named by its content."""
    body = INTERACTIONS.read_bytes()
    last = body.rstrip(b"\n").rsplit(b"\n", 1)[1]
    body = body.rstrip(b"\n") + b"\n" + b"\n".join([last] * extra_rows) + b"\n"
    directory = synth.write_config({}).parent / "data"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"interactions-{hashlib.sha256(body).hexdigest()[:12]}.csv"
    path.write_bytes(body)
    return path


@cache
def with_interactions(extra_rows: int) -> dict[str, Any]:
    raw = synth.default_raw_config()
    raw["datasets"]["interactions"]["data"] = str(changed_csv(extra_rows))
    return synth.template(synth.write_config(raw))


@cache
def retained() -> dict[str, Any]:
    return synth.template(synth.write_config(synth.variant(removal_policy="retain")))


def data_bucket(world: World) -> str:
    (bucket,) = [r.physical_id for r in world.sim.resources.values() if r.type == "AWS::S3::Bucket"]
    return bucket


def copied_location(template: dict[str, Any]) -> str:
    """The data file's key as the template names it (the copy's Key property)."""
    return str(template["Resources"][COPY]["Properties"]["Key"])


def keys(world: World, bucket: str, prefix: str = "datasets/") -> list[str]:
    answer = world.s3.list_objects_v2(Bucket=bucket, Prefix=prefix)
    return sorted(o["Key"] for o in answer.get("Contents", []))


def import_locations(world: World, since: int = 0) -> list[str]:
    return [c.params["dataSource"]["dataLocation"] for c in world.calls(since, "CreateDatasetImportJob")]


def bucket_exists(world: World, name: str) -> bool:
    return name in {b["Name"] for b in world.s3.list_buckets()["Buckets"]}


def test_the_import_reads_the_file_the_copy_put_in_the_data_bucket(world: World) -> None:
    # GIVEN the default config, whose interactions CSV is a local file
    template = templates.default()
    # WHEN it is deployed
    result = world.deploy(template)
    # THEN the CSV was published as an asset, copied server-side, and imported from the copy
    assert result.status == "CREATE_COMPLETE", result.failure
    assert world.sim.assets is not None
    source_key = template["Resources"][COPY]["Properties"]["SourceKey"]
    assert any(uri.endswith(f"/{source_key}") for uri in world.sim.assets.published)
    bucket, key = data_bucket(world), copied_location(template)
    assert f"s3://{bucket}/{key}" in import_locations(world)
    copied = world.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    assert copied == INTERACTIONS.read_bytes()


def test_fails_when_the_copied_object_is_gone_before_the_import(world: World) -> None:
    # GIVEN the copied interactions file disappears once the copy has completed
    template = templates.default()
    key = copied_location(template)

    def remove_copy(kind: str, event: dict[str, Any]) -> None:
        if kind == "isComplete" and event["LogicalResourceId"] == COPY:
            world.s3.delete_object(Bucket=data_bucket_of_event(event), Key=key)

    world.hooks.append(remove_copy)
    # WHEN the stack deploys
    result = world.deploy(template)
    # THEN the import job fails as Personalize's does, its failureReason first, naming the missing object
    assert result.status == "ROLLBACK_COMPLETE"
    assert result.failure is not None and result.failure.logical_id == IMPORT
    assert result.failure.message.startswith("No objects found in s3 path") and key in result.failure.message


def data_bucket_of_event(event: dict[str, Any]) -> str:
    return str(event["ResourceProperties"]["Bucket"])


def test_fails_when_the_data_file_asset_was_never_published(world: World) -> None:
    # GIVEN a deploy whose asset publishing step is skipped (the asset object is not there)
    template = templates.default()
    world.sim.assets = None
    # WHEN the stack deploys
    result = world.deploy(template)
    # THEN the copy fails with the missing asset and what to do, before any import starts
    assert result.status == "ROLLBACK_COMPLETE"
    assert result.failure is not None and result.failure.logical_id.endswith("DataCopy")
    assert (
        "is missing (or not readable by the handler role): deploy with `cdk deploy`" in result.failure.message
    )
    assert world.calls(0, "CreateDatasetImportJob") == []


def test_a_data_change_imports_again_and_keeps_the_previous_file(deployed: World) -> None:
    # GIVEN a deployed stack and a config whose interactions CSV gained rows
    old_key, changed = copied_location(templates.default()), with_interactions(5)
    mark = deployed.mark()
    # WHEN it is deployed
    result = deployed.deploy(changed)
    # THEN the new file is copied and imported once, and the previous file stays for rollbacks
    assert result.status == "UPDATE_COMPLETE", result.failure
    bucket, new_key = data_bucket(deployed), copied_location(changed)
    assert new_key != old_key
    assert import_locations(deployed, mark) == [f"s3://{bucket}/{new_key}"]
    assert keys(deployed, bucket, "datasets/interactions/") == sorted([old_key, new_key])
    # AND the training is not retrained by the data change alone (the trigger did not change)
    assert deployed.calls(mark, "CreateSolutionVersion") == []


def test_a_third_data_file_removes_the_oldest(deployed: World) -> None:
    # GIVEN two data changes deployed one after the other (keep_imports = 2 by default)
    first = copied_location(templates.default())
    assert deployed.deploy(with_interactions(5)).status == "UPDATE_COMPLETE"
    # WHEN the third file deploys
    result = deployed.deploy(with_interactions(9))
    # THEN only the current and the previous file remain, every version of the oldest is gone
    assert result.status == "UPDATE_COMPLETE", result.failure
    bucket = data_bucket(deployed)
    expected = sorted([copied_location(with_interactions(5)), copied_location(with_interactions(9))])
    assert keys(deployed, bucket, "datasets/interactions/") == expected
    versions = deployed.s3.list_object_versions(Bucket=bucket, Prefix=first)
    assert versions.get("Versions", []) == [] and versions.get("DeleteMarkers", []) == []


def test_a_rollback_of_a_data_change_finds_its_old_file(deployed: World) -> None:
    # GIVEN a data change whose import job fails
    old_key = copied_location(templates.default())
    deployed.fake.fail_next_import("Import failed: invalid CSV")
    mark = deployed.mark()
    # WHEN it is deployed
    result = deployed.deploy(with_interactions(5))
    # THEN the stack rolls back, the copy goes back to the old file, which is still there
    assert result.status == "UPDATE_ROLLBACK_COMPLETE"
    assert result.failure is not None and result.failure.logical_id == IMPORT
    bucket = data_bucket(deployed)
    assert old_key in keys(deployed, bucket)
    assert deployed.sim.resources[COPY].attributes["DataLocation"] == f"s3://{bucket}/{old_key}"
    assert len(deployed.requests(COPY, "Update")) == 2  # the change and its rollback
    # AND a redeploy of the old config changes nothing
    assert deployed.deploy(templates.default()).status == "NO_CHANGES"
    assert deployed.calls(mark, "CreateSolutionVersion") == []


def test_a_stack_delete_with_removal_policy_destroy_removes_the_bucket_and_its_files(
    deployed: World,
) -> None:
    # GIVEN a deployed stack with the default removal_policy (destroy)
    bucket = data_bucket(deployed)
    # WHEN the stack is deleted
    result = deployed.sim.delete()
    # THEN the data bucket is gone with every file in it
    assert result.status == "DELETE_COMPLETE", result.failure
    assert not bucket_exists(deployed, bucket)


def test_a_stack_delete_with_removal_policy_retain_keeps_the_bucket_and_its_files(world: World) -> None:
    # GIVEN a stack deployed with removal_policy: retain
    template = retained()
    assert world.deploy(template).status == "CREATE_COMPLETE"
    bucket, key = data_bucket(world), copied_location(template)
    # WHEN the stack is deleted
    result = world.sim.delete()
    # THEN the data bucket and its data files stay
    assert result.status == "DELETE_COMPLETE", result.failure
    assert bucket_exists(world, bucket)
    assert key in keys(world, bucket)
