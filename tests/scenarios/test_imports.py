"""Dataset imports (`Custom::PersonalizeDatasetImport`): a new job name per import, the import mode,
waits past the hour, failures, rollbacks and repeats.

A job name is used once (the fake refuses a second CreateDatasetImportJob of a name, as the API
does), so every scenario below would have ended UPDATE_FAILED / UPDATE_ROLLBACK_FAILED with a job
name fixed in the template.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from simulation.cloudformation.provider import ProviderOutcome
from simulation.cloudformation.scheduler import Task
from simulation.personalize import Call
from tests.scenarios.test_data import DATA_DIR, changed_csv
from tests.scenarios.world import World, templates
from tests.support import synth

IMPORT = "InteractionsImport"
ITEMS_IMPORT = "ItemsImport"
ITEMS = DATA_DIR / "items.csv"
CREATE_IMPORT = "CreateDatasetImportJob"


def changed_items(extra_rows: int) -> Path:
    """The default items CSV with its last row repeated, in a file named by its content."""
    body = ITEMS.read_bytes().rstrip(b"\n")
    body = body + b"\n" + b"\n".join([body.rsplit(b"\n", 1)[1]] * extra_rows) + b"\n"
    directory = synth.write_config({}).parent / "data"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"items-{hashlib.sha256(body).hexdigest()[:12]}.csv"
    path.write_bytes(body)
    return path


@cache
def variant(
    interactions: int = 0, items: int = 0, mode: str | None = None, tps: int | None = None
) -> dict[str, Any]:
    """The default config with rows added to the data files, an interactions import mode, a campaign TPS."""
    raw = synth.default_raw_config()
    datasets = raw["datasets"]
    if interactions:
        datasets["interactions"]["data"] = str(changed_csv(interactions))
    if items:
        datasets["items"]["data"] = str(changed_items(items))
    if mode:
        datasets["interactions"]["import_mode"] = mode
    if tps:
        raw["campaigns"][0]["min_provisioned_tps"] = tps
    return synth.template(synth.write_config(raw))


def imports(world: World, since: int, dataset: str = "INTERACTIONS") -> list[Call]:
    return [c for c in world.calls(since, CREATE_IMPORT) if c.params["datasetArn"].endswith(f"/{dataset}")]


def location(template: dict[str, Any]) -> str:
    return str(template["Resources"]["InteractionsDataCopy"]["Properties"]["Key"])


def job(world: World, call: Call) -> dict[str, Any]:
    arn = f"arn:aws:personalize:us-east-1:111111111111:dataset-import-job/{call.params['jobName']}"
    return dict(world.admin.describe_dataset_import_job(datasetImportJobArn=arn)["datasetImportJob"])


def test_data_a_b_a_imports_once_per_deploy_under_new_names(world: World) -> None:
    # GIVEN interactions imported INCREMENTAL by config: data A, then B, then A again
    a, b = variant(mode="INCREMENTAL"), variant(interactions=5, mode="INCREMENTAL")
    calls: list[list[Call]] = []
    # WHEN each is deployed in turn
    for template, expected in ((a, "CREATE_COMPLETE"), (b, "UPDATE_COMPLETE"), (a, "UPDATE_COMPLETE")):
        mark = world.mark()
        result = world.deploy(template)
        assert result.status == expected, result.failure
        calls.append(imports(world, mark))
        world.clock.advance(60)
    # THEN each deploy imported interactions once, each under a name never used before
    assert [len(c) for c in calls] == [1, 1, 1]
    names = [c[0].params["jobName"] for c in calls]
    assert len(set(names)) == 3
    # AND the first import is FULL (the API's rule), B is INCREMENTAL, the revert to A is FULL
    assert [c[0].params["importMode"] for c in calls] == ["FULL", "INCREMENTAL", "FULL"]
    assert all(
        c[0].params["dataSource"]["dataLocation"].endswith(location(t))
        for c, t in zip(calls, (a, b, a), strict=True)
    )
    assert all(job(world, c[0])["status"] == "ACTIVE" for c in calls)
    # AND items, unchanged, imported once in all; the data change alone trained nothing
    assert len(imports(world, 0, "ITEMS")) == 1
    assert len(world.calls(0, "CreateSolutionVersion")) == 2


def test_a_change_of_the_import_mode_alone_imports_nothing(deployed: World) -> None:
    # GIVEN a deployed stack (interactions imported FULL)
    mark = deployed.mark()
    # WHEN the same data is deployed with import_mode INCREMENTAL
    result = deployed.deploy(variant(mode="INCREMENTAL"))
    # THEN the import resource updates without a new import; the job it stands on is the first one
    assert result.status == "UPDATE_COMPLETE", result.failure
    assert len(deployed.requests(IMPORT, "Update")) == 1
    assert deployed.calls(mark, CREATE_IMPORT) == []
    (first,) = imports(deployed, 0)
    assert deployed.sim.resources[IMPORT].attributes["DatasetImportJobArn"].endswith(first.params["jobName"])


def test_a_failing_update_that_changed_a_data_file_imports_the_old_file_again(deployed: World) -> None:
    # GIVEN a deployed stack; a config with new interactions data and a campaign change that fails
    old_key, changed = location(templates.default()), variant(interactions=5, tps=2)
    deployed.fail_during("CampaignUserPersonalization", after=60, reason="injected campaign failure")
    mark = deployed.mark()
    # WHEN it is deployed
    result = deployed.deploy(changed)
    # THEN the stack rolls back to the old data: two imports, the new file then the old one again,
    # FULL, under a name of its own
    assert result.status == "UPDATE_ROLLBACK_COMPLETE", result.failure
    assert result.failure is not None and result.failure.logical_id == "CampaignUserPersonalization"
    forward, back = imports(deployed, mark)
    assert forward.params["dataSource"]["dataLocation"].endswith(location(changed))
    assert back.params["dataSource"]["dataLocation"].endswith(old_key)
    assert back.params["importMode"] == "FULL"
    first_name = imports(deployed, 0)[0].params["jobName"]
    assert len({first_name, forward.params["jobName"], back.params["jobName"]}) == 3
    assert job(deployed, back)["status"] == "ACTIVE"
    # AND nothing else was imported or trained; a redeploy of the old config changes nothing
    assert len(deployed.calls(mark, CREATE_IMPORT)) == 2
    assert deployed.calls(mark, "CreateSolutionVersion") == []
    assert deployed.deploy(templates.default()).status == "NO_CHANGES"


def test_a_rollback_waits_for_the_cancelled_import_then_imports_the_old_file(deployed: World) -> None:
    # GIVEN new data in both files; the items copy fails while the interactions import still runs
    deployed.fake.durations.import_job = 30 * 60
    deployed.fail_during("ItemsDataCopy", after=120, reason="injected copy failure")
    mark = deployed.mark()
    # WHEN it is deployed
    result = deployed.deploy(variant(interactions=5, items=3))
    # THEN the rollback imports the old interactions file only after the cancelled import ended
    # (a FULL import landing after it would otherwise leave the new data in place)
    assert result.status == "UPDATE_ROLLBACK_COMPLETE", result.failure
    forward, back = imports(deployed, mark)
    assert back.params["dataSource"]["dataLocation"].endswith(location(templates.default()))
    assert back.params["importMode"] == "FULL"
    assert back.time >= forward.time + deployed.fake.durations.import_job
    # AND the cancelled waiter, which kept polling, started nothing; items were never imported again
    deployed.clock.advance(3600)
    deployed.sim.scheduler.drain()
    assert len(deployed.calls(mark, CREATE_IMPORT)) == 2
    assert imports(deployed, mark, "ITEMS") == []


def test_an_import_longer_than_an_hour_waits_through_links(world: World) -> None:
    # GIVEN imports that take 2 hours
    world.fake.durations.import_job = 2 * 3600
    mark = world.mark()
    # WHEN the stack is created
    result = world.deploy(templates.default())
    # THEN it completes: each import waited through its links (link 0, 1 and 2 handed over or ended)
    assert result.status == "CREATE_COMPLETE", result.failure
    for lid in (IMPORT, f"{IMPORT}Wait1", f"{IMPORT}Wait2", f"{IMPORT}Wait3"):
        assert len(world.requests(lid, "Create")) == 1
    assert (
        len(
            [line for line in world.sim.logs if line.startswith("hand-over: immersion-day-news-interactions")]
        )
        == 2
    )
    # AND one import per dataset, training started only after both ended
    assert len(world.calls(mark, CREATE_IMPORT)) == 2
    ended = max(c.time for c in world.calls(mark, CREATE_IMPORT)) + 2 * 3600
    assert min(c.time for c in world.calls(mark, "CreateSolution")) >= ended


def test_fails_when_an_import_outlives_import_max_wait_minutes(world: World) -> None:
    # GIVEN an import that takes 4 hours (the default wait is 180 minutes)
    world.fake.durations.import_job = 4 * 3600
    # WHEN the stack is created
    result = world.deploy(templates.default())
    # THEN the last link fails, saying the job keeps running and what to raise
    assert result.status == "ROLLBACK_COMPLETE"
    assert result.failure is not None and result.failure.logical_id.endswith("ImportWait3")
    assert "not finished after 180 min" in result.failure.message
    assert "raise datasets.import_max_wait_minutes" in result.failure.message


def test_fails_when_the_import_fails_naming_personalizes_reason(world: World) -> None:
    # GIVEN Personalize fails the next import job
    world.fake.fail_next_import("Column EVENT_TYPE is missing in the CSV header")
    # WHEN the stack is created
    result = world.deploy(templates.default())
    # THEN the deploy fails on that import, Personalize's failureReason first, in one line
    assert result.status == "ROLLBACK_COMPLETE"
    assert result.failure is not None and result.failure.logical_id in (IMPORT, ITEMS_IMPORT)
    assert result.failure.message.startswith(
        "Column EVENT_TYPE is missing in the CSV header (dataset import job "
    )
    assert "\n" not in result.failure.message
    # AND no training started
    assert world.calls(0, "CreateSolutionVersion") == []


def answered(task: Task) -> ProviderOutcome:
    assert task.done and task.error is None, task.error
    assert isinstance(task.result, ProviderOutcome)
    return task.result


def test_an_import_delivered_twice_imports_once(deployed: World) -> None:
    # GIVEN a data change whose import request reaches the Provider a second time mid-deploy
    again: list[Task] = []

    def duplicate(kind: str, event: dict[str, Any]) -> None:
        if kind == "isComplete" and event["LogicalResourceId"] == IMPORT and not again:
            (request,) = deployed.requests(IMPORT, "Update")
            again.append(deployed.deliver_again(request))

    deployed.hooks.append(duplicate)
    mark = deployed.mark()
    # WHEN it is deployed
    result = deployed.deploy(variant(interactions=5))
    deployed.sim.scheduler.drain()
    # THEN one import job, which both deliveries followed to the end
    assert result.status == "UPDATE_COMPLETE", result.failure
    (created,) = imports(deployed, mark)
    assert answered(again[0]).success
    assert answered(again[0]).physical_id == deployed.sim.resources[IMPORT].physical_id
    assert any("not imported twice" in line for line in deployed.sim.logs)
    assert job(deployed, created)["status"] == "ACTIVE"


def test_an_import_whose_answer_was_lost_is_not_sent_again(deployed: World) -> None:
    # GIVEN CreateDatasetImportJob acts but its answer is lost (HTTP 500)
    deployed.lose_answer(CREATE_IMPORT)
    mark = deployed.mark()
    # WHEN a data change is deployed
    result = deployed.deploy(variant(interactions=5))
    # THEN the job made by the lost call is found by its name and followed: one import
    assert result.status == "UPDATE_COMPLETE", result.failure
    sent = [c for c in deployed.fake.calls[mark:] if c.operation == CREATE_IMPORT]
    assert [c.answer_lost for c in sent] == [True]
    assert job(deployed, sent[0])["status"] == "ACTIVE"


def test_an_import_started_by_hand_is_waited_for_then_the_deploy_imports(deployed: World) -> None:
    # GIVEN someone started an import of the interactions dataset by hand (the notebook's way)
    dataset = "arn:aws:personalize:us-east-1:111111111111:dataset/immersion-day-news-news/INTERACTIONS"
    location = deployed.calls(0, CREATE_IMPORT)[0].params["dataSource"]["dataLocation"]
    deployed.admin.create_dataset_import_job(
        jobName="by-hand",
        datasetArn=dataset,
        dataSource={"dataLocation": location},
        roleArn="arn:aws:iam::111111111111:role/notebook",
    )
    started = deployed.clock.now()
    mark = deployed.mark()
    # WHEN new data is deployed meanwhile
    result = deployed.deploy(variant(interactions=5))
    # THEN the deploy's import starts only once the hand-made one ended, and lands last
    assert result.status == "UPDATE_COMPLETE", result.failure
    (ours,) = imports(deployed, mark)
    assert ours.time >= started + deployed.fake.durations.import_job
    assert job(deployed, ours)["status"] == "ACTIVE"
