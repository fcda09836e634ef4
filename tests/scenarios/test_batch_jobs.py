"""Batch jobs on deploy (config/examples/batch.yaml): run once per trigger, output in S3 under
`batch/{name}/{trigger}/{version id}/`, nothing run again by a repeated event or an identical
redeploy, a new prefix for a new trigger, and a job in progress left alone by a rollback."""

from __future__ import annotations

import copy
import io
from functools import cache
from typing import Any, Final

import pytest
from rich.console import Console

from ops.status.collect import collect
from ops.status.screen import render
from simulation.stack_reader import SimulatedStack
from stacks.config_model.loader import read_merged
from stacks.derived_names import content_hash
from tests.scenarios.world import Snapshot, World, open_world
from tests.support import synth

EXAMPLE: Final = synth.REPO / "config" / "examples" / "batch.yaml"
LISTS: Final = "BatchJobNightlyLists"
SEGMENTS: Final = "BatchJobMailingSegments"
CAMPAIGN: Final = "CampaignUserPersonalization"
CREATES: Final = ("CreateBatchInferenceJob", "CreateBatchSegmentJob")


@cache
def example_raw() -> dict[str, Any]:
    raw, _ = read_merged(EXAMPLE)
    return raw


def batch_template(
    *,
    trigger: str | None = None,
    tps: int | None = None,
    training_trigger: str | None = None,
    users: str | None = None,
) -> dict[str, Any]:
    raw = copy.deepcopy(example_raw())
    if users is not None:
        path = synth.write_config({}).parent / "batch-input" / content_hash(users) / "users.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(users)
        raw["batch_jobs"][0]["input"] = str(path)
    if trigger is not None:
        raw["batch_jobs"][0]["trigger"] = trigger
    if training_trigger is not None:
        raw["solutions"][0]["training"]["trigger"] = training_trigger
    if tps is not None:
        raw["campaigns"][0]["min_provisioned_tps"] = tps
    return synth.template(synth.write_config(raw))


@pytest.fixture(scope="module")
def batch_deployed_once() -> Snapshot:
    with open_world() as made:
        result = made.deploy(batch_template())
        assert result.status == "CREATE_COMPLETE", result.failure
        return made.snapshot()


@pytest.fixture
def batch_world(world: World, batch_deployed_once: Snapshot) -> World:
    world.restore(batch_deployed_once)
    return world


def created(world: World, since: int = 0) -> dict[str, int]:
    return {op: len(world.calls(since, op)) for op in CREATES}


def outputs(world: World, bucket: str) -> list[str]:
    answer = world.s3.list_objects_v2(Bucket=bucket, Prefix="batch/")
    return sorted(o["Key"] for o in answer.get("Contents", []) if o["Key"].endswith(".out"))


def data_bucket(world: World) -> str:
    (bucket,) = [r.physical_id for r in world.sim.resources.values() if r.type == "AWS::S3::Bucket"]
    return bucket


def version_id(world: World, logical_id: str) -> str:
    job_arn = world.sim.resources[logical_id].physical_id
    call = next(
        c for c in world.fake.calls if c.operation in CREATES and job_arn.endswith(c.params["jobName"])
    )
    return str(call.params["solutionVersionArn"]).rsplit("/", 1)[-1]


def test_each_batch_job_runs_once_and_its_output_is_under_its_trigger_and_version(batch_world: World) -> None:
    # GIVEN the example's first deploy (two jobs: recommendations and segments)
    world = batch_world
    bucket = data_bucket(world)
    # THEN each job ran once, and its output is in the data bucket under name/trigger/version id
    assert created(world) == {"CreateBatchInferenceJob": 1, "CreateBatchSegmentJob": 1}
    assert outputs(world, bucket) == sorted(
        [
            f"batch/nightly-lists/2026-12-07/{version_id(world, LISTS)}/users.jsonl.out",
            f"batch/mailing-segments/december/{version_id(world, SEGMENTS)}/items.jsonl.out",
        ]
    )
    # AND the job ran on the gated version the training chain ended on, with the data role
    (call,) = world.calls(0, "CreateBatchInferenceJob")
    assert (
        call.params["solutionVersionArn"]
        == world.sim.resources["TrainingUserPersonalizationWait4"].attributes["SolutionVersionArn"]
    )
    assert (
        call.params["numResults"] == 25
        and ":filter/immersion-day-news-exclude-clicked-" in call.params["filterArn"]
    )
    # AND the output location is exported (stack output and SSM parameter of the same value)
    location = world.sim.resources["BatchJobNightlyListsWait2"].attributes["OutputLocation"]
    assert location == f"s3://{bucket}/batch/nightly-lists/2026-12-07/{version_id(world, LISTS)}/"
    assert world.sim.outputs["BatchJobNightlyLists"] == location


def test_an_identical_redeploy_and_a_repeated_event_run_nothing(batch_world: World) -> None:
    # GIVEN the example deployed
    world = batch_world
    mark = world.mark()
    # WHEN the same template is deployed again
    result = world.deploy(batch_template())
    # THEN nothing changes and no job runs
    assert result.status == "NO_CHANGES"
    # WHEN the job's Create request reaches the Provider a second time
    (request,) = world.requests(LISTS, "Create")
    task = world.deliver_again(request)
    world.sim.scheduler.drain()
    # THEN it finds its job by name and runs none
    assert task.done and task.result.success, task.error
    assert created(world, mark) == {"CreateBatchInferenceJob": 0, "CreateBatchSegmentJob": 0}


def test_a_trigger_change_runs_the_job_again_to_a_new_prefix_and_keeps_the_old_output(
    batch_world: World,
) -> None:
    # GIVEN the example deployed with trigger 2026-12-07
    world = batch_world
    bucket = data_bucket(world)
    before = outputs(world, bucket)
    mark = world.mark()
    # WHEN the recommendations job's trigger changes
    result = world.deploy(batch_template(trigger="2026-12-08"))
    # THEN that job runs once more (the segments job does not), to the new trigger's prefix
    assert result.status == "UPDATE_COMPLETE", result.failure
    assert created(world, mark) == {"CreateBatchInferenceJob": 1, "CreateBatchSegmentJob": 0}
    new = f"batch/nightly-lists/2026-12-08/{version_id(world, LISTS)}/users.jsonl.out"
    assert outputs(world, bucket) == sorted([*before, new])
    # AND no training ran again
    assert world.created_versions(mark) == []


def test_a_retrain_runs_the_job_again_on_the_new_version_only_after_its_gates(batch_world: World) -> None:
    # GIVEN the example deployed
    world = batch_world
    bucket = data_bucket(world)
    before = outputs(world, bucket)
    mark = world.mark()
    # WHEN user-personalization retrains (its training trigger changes, the job's does not)
    result = world.deploy(batch_template(training_trigger="v2"))
    # THEN one training and one batch inference job ran, on the new version, to its own prefix
    assert result.status == "UPDATE_COMPLETE", result.failure
    assert len(world.created_versions(mark)) == 1
    (call,) = world.calls(mark, "CreateBatchInferenceJob")
    new_version = world.sim.resources["TrainingUserPersonalizationWait4"].attributes["SolutionVersionArn"]
    assert call.params["solutionVersionArn"] == new_version
    assert call.time >= max(c.time for c in world.calls(mark, "GetSolutionMetrics"))  # after the gates
    assert created(world, mark) == {"CreateBatchInferenceJob": 1, "CreateBatchSegmentJob": 0}
    new = f"batch/nightly-lists/2026-12-07/{new_version.rsplit('/', 1)[-1]}/users.jsonl.out"
    assert outputs(world, bucket) == sorted([*before, new])


def test_a_new_input_file_runs_the_job_again_and_the_bucket_keeps_the_earlier_result(
    batch_world: World,
) -> None:
    # GIVEN the example deployed
    world = batch_world
    bucket = data_bucket(world)
    key = f"batch/nightly-lists/2026-12-07/{version_id(world, LISTS)}/users.jsonl.out"
    mark = world.mark()
    # WHEN the input file changes (same trigger, same version)
    result = world.deploy(batch_template(users='{"userId": "U057"}\n'))
    # THEN the job runs once more, to the same prefix; the versioned bucket keeps the earlier output
    assert result.status == "UPDATE_COMPLETE", result.failure
    assert created(world, mark) == {"CreateBatchInferenceJob": 1, "CreateBatchSegmentJob": 0}
    versions = world.s3.list_object_versions(Bucket=bucket, Prefix=key).get("Versions", [])
    assert len(versions) == 2


def test_a_job_in_progress_on_rollback_is_left_to_finish_and_the_old_one_stands(batch_world: World) -> None:
    # GIVEN the example deployed; a deploy changes the trigger and the campaign, which fails
    world = batch_world
    bucket = data_bucket(world)
    before = outputs(world, bucket)
    old_location = world.sim.outputs["BatchJobNightlyLists"]
    mark = world.mark()
    world.fail_during(CAMPAIGN, 120)
    # WHEN it deploys and rolls back while the new job runs (jobs take 20 min in the fake)
    result = world.deploy(batch_template(trigger="2026-12-09", tps=2))
    # THEN the stack is back where it was: one job was started, none created by the rollback
    assert result.status == "UPDATE_ROLLBACK_COMPLETE"
    assert created(world, mark) == {"CreateBatchInferenceJob": 1, "CreateBatchSegmentJob": 0}
    assert world.sim.outputs["BatchJobNightlyLists"] == old_location
    # AND the job it started was left running (no API stops one) and finishes on its own
    (call,) = world.calls(mark, "CreateBatchInferenceJob")
    job_arn = f"{world.sim.resources[LISTS].physical_id.rsplit('/', 1)[0]}/{call.params['jobName']}"
    assert [c.operation for c in world.mutations(mark) if "Batch" in c.operation] == [
        "CreateBatchInferenceJob"
    ]
    world.clock.advance(world.fake.durations.batch_job)
    assert world.fake.status_of(job_arn) == "ACTIVE"
    assert len(outputs(world, bucket)) == len(before) + 1


def test_fails_when_a_batch_job_fails_with_personalizes_reason_first(batch_world: World) -> None:
    # GIVEN the example deployed; the next batch job fails in Personalize
    world = batch_world
    world.fake.fail_next_batch_job("Input file is not valid JSON")
    # WHEN a trigger change runs the job again
    result = world.deploy(batch_template(trigger="2026-12-10"))
    # THEN the deploy rolls back, and CloudFormation's reason leads with Personalize's
    assert result.status == "UPDATE_ROLLBACK_COMPLETE"
    assert result.failure is not None
    assert result.failure.message.startswith("Input file is not valid JSON (batch inference job ")


def test_make_status_shows_each_job_its_status_and_output(batch_world: World) -> None:
    # GIVEN the example deployed (both jobs ACTIVE)
    world = batch_world
    reader = SimulatedStack(world.sim, world.admin)
    # WHEN make status reads the stack
    report = collect(reader)
    # THEN it lists both jobs, ACTIVE, with the prefix each wrote to, and nothing left in progress
    shown = {job.logical_id: (job.status, job.output) for job in report.batch_jobs}
    assert shown == {
        LISTS: ("ACTIVE", world.sim.outputs["BatchJobNightlyLists"]),
        SEGMENTS: ("ACTIVE", world.sim.outputs["BatchJobMailingSegments"]),
    }
    assert not report.in_progress
    screen = io.StringIO()
    Console(file=screen, width=200).print(render(report))
    assert "Batch jobs" in screen.getvalue()
