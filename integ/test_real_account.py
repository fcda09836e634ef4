"""`make integ`: deploy integ/config.yaml to the account of the shell, check it serves, destroy it,
check nothing is left. Marked `integ`: `make test` never runs it (it needs an account, takes
about an hour and costs money; see docs/operate.md).

deploy → campaign ACTIVE → GetRecommendations (items carry metadata; the filter removes what
the user clicked) → the SSM hand-off holds the ARNs → destroy → no Personalize resource of the
project is left.
"""

import csv
import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from integ.leftovers import leftovers, tagged, wait_until_gone
from stacks.config_model import load_config

pytestmark = pytest.mark.integ

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "integ" / "config.yaml"
CDK = ("npx", "--no-install", "cdk")
METADATA_COLUMNS = ["CATEGORY", "AUTHOR"]
RUN_TAG = "integ-run"  # integ/config.yaml tags every resource of the stack with it


def _cdk(*args: str) -> None:
    env = {**os.environ, "CDK_DISABLE_VERSION_CHECK": "1"}
    subprocess.run([*CDK, *args, "-c", f"config={CONFIG}"], cwd=REPO, env=env, check=True, timeout=4 * 3600)


@pytest.fixture(scope="module")
def session() -> boto3.session.Session:
    found = boto3.session.Session()
    if found.get_credentials() is None:
        pytest.skip("no AWS credentials in this shell: make integ deploys to a real account")
    return found


@pytest.fixture(scope="module")
def deployed(session: boto3.session.Session) -> Iterator[dict[str, Any]]:
    """Deploy once for the module; destroy afterwards whatever happened."""
    config = load_config(CONFIG)
    try:
        _cdk("deploy", "--require-approval", "never")
        yield {"config": config, "session": session}
    finally:
        _cdk("destroy", "--force")


def _parameter(session: boto3.session.Session, name: str) -> str:
    return str(session.client("ssm").get_parameter(Name=name)["Parameter"]["Value"])


def _clicked(user: str) -> set[str]:
    with (REPO / "config" / "data" / "interactions.csv").open() as rows:
        return {
            r["ITEM_ID"] for r in csv.DictReader(rows) if r["USER_ID"] == user and r["EVENT_TYPE"] == "click"
        }


def test_campaign_is_active_and_recommends_items_with_metadata(deployed: dict[str, Any]) -> None:
    session, project = deployed["session"], deployed["config"].project
    campaign_arn = _parameter(session, f"/{project}/campaigns/user-personalization/arn")
    campaign = session.client("personalize").describe_campaign(campaignArn=campaign_arn)["campaign"]
    assert campaign["status"] == "ACTIVE"
    items = session.client("personalize-runtime").get_recommendations(
        campaignArn=campaign_arn, userId="U057", numResults=10, metadataColumns={"ITEMS": METADATA_COLUMNS}
    )["itemList"]
    assert items, "no recommendations"
    assert all(set(METADATA_COLUMNS) <= set(i.get("metadata", {})) for i in items)


def test_filter_removes_what_the_user_clicked(deployed: dict[str, Any]) -> None:
    session, project = deployed["session"], deployed["config"].project
    campaign_arn = _parameter(session, f"/{project}/campaigns/user-personalization/arn")
    filter_arn = _parameter(session, f"/{project}/filters/exclude-clicked/arn")
    runtime = session.client("personalize-runtime")
    filtered = runtime.get_recommendations(
        campaignArn=campaign_arn, userId="U057", numResults=25, filterArn=filter_arn
    )["itemList"]
    assert filtered and not {i["itemId"] for i in filtered} & _clicked("U057")


def test_ssm_hand_off_holds_the_arns(deployed: dict[str, Any]) -> None:
    session, project = deployed["session"], deployed["config"].project
    summary = json.loads(_parameter(session, f"/{project}/solutions/user-personalization"))
    version = session.client("personalize").describe_solution_version(
        solutionVersionArn=summary["solutionVersionArn"]
    )["solutionVersion"]
    assert version["status"] == "ACTIVE"
    campaign_arn = _parameter(session, f"/{project}/campaigns/user-personalization/arn")
    assert campaign_arn.startswith("arn:") and ":campaign/" in campaign_arn


def test_nothing_of_the_project_is_left_after_destroy(session: boto3.session.Session) -> None:
    # Runs last in the module (pytest keeps file order): the `deployed` fixture is torn down
    # first only when requested here, so destroy explicitly (idempotent) before looking.
    config = load_config(CONFIG)
    _cdk("destroy", "--force")
    personalize = session.client("personalize")
    left = wait_until_gone(
        lambda: leftovers(personalize, config.project), timeout=30 * 60, interval=60, sleep=time.sleep
    )
    assert left == []
    tagging = session.client("resourcegroupstaggingapi")
    still_tagged = wait_until_gone(
        lambda: tagged(tagging, RUN_TAG, config.tags[RUN_TAG]), timeout=10 * 60, interval=60, sleep=time.sleep
    )
    assert still_tagged == []
