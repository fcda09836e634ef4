import hashlib
import re

from lambda_handlers import constants
from lambda_handlers.events import Event, parse
from lambda_handlers.kernel import ownership
from tests.unit import OWNER, PREFIX, SOLUTION_ARN, STACK_ID
from tests.unit import event as make_event

# Personalize's TagValue pattern `^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$` for ASCII (Python's re has no
# \p classes, so the fake server cannot check it: this test does).
TAG_VALUE = re.compile(r"[A-Za-z0-9 _.:/=+\-@]*")


def owner_event(*, stack_id: str = STACK_ID, logical_id: str = "Resource") -> Event:
    raw = make_event("Create", constants.SOLUTION_TYPE, {}, stack_id=stack_id, logical_id=logical_id)
    return parse(raw)


def test_the_owner_is_the_stack_name_and_logical_id_in_a_valid_tag_value():
    # GIVEN CloudFormation's StackId (stack `app`) and LogicalResourceId WHEN the tags are built
    tags = ownership.api_tags({"team": "recs"}, owner_event())
    # THEN the declared ones, then the owner: the stack NAME (a re-created stack keeps it) and the
    # logical id, joined by a character tag values allow
    assert tags == [
        {"tagKey": "team", "tagValue": "recs"},
        {"tagKey": "personalize-cdk:owner", "tagValue": "app/Resource"},
    ]
    assert TAG_VALUE.fullmatch(OWNER)


def test_an_owner_value_names_a_stack_and_a_logical_id():
    # GIVEN a `{stack name}/{logical id}` value, a stack id in its place, a hashed value and junk
    # THEN the first names stack `app`, resource `Resource`; the others name no one
    assert ownership.owner_of("app/Resource") == ownership.Owner("app", "Resource")
    assert ownership.owner_of(f"{STACK_ID}/Resource") is None
    assert ownership.owner_of("sha256:" + "0" * 64) is None
    assert ownership.owner_of("no-slash") is None
    assert ownership.owner_of(None) is None


def test_an_owner_longer_than_a_tag_value_is_sent_as_its_sha256():
    # GIVEN a stack name so long that stack name + logical id exceed 256 characters
    stack_id = f"arn:aws:cloudformation:us-east-1:123456789012:stack/{'n' * 128}/{'0' * 36}"
    logical_id = "Campaign" + "X" * 130
    full = f"{'n' * 128}/{logical_id}"
    assert len(full) > 256
    # WHEN the owner is built THEN the short, deterministic, valid form
    value = ownership.owner_value(owner_event(stack_id=stack_id, logical_id=logical_id))
    assert value == "sha256:" + hashlib.sha256(full.encode()).hexdigest()
    assert value is not None and len(value) == 71 and TAG_VALUE.fullmatch(value)


def test_without_a_stack_id_nothing_is_tagged_and_nothing_is_ours(w):
    # GIVEN an event without StackId (CloudFormation always sends one; a hand-made event may not)
    event = owner_event(stack_id="")
    # THEN no owner tag, declared tags unchanged, and no existing resource counts as ours (no call)
    assert ownership.api_tags({"team": "recs"}, event) == [{"tagKey": "team", "tagValue": "recs"}]
    assert not ownership.is_ours(w.deps, SOLUTION_ARN, event)
    assert w.fake.calls == []


def test_is_ours_compares_the_owner_tag_of_the_resource(w):
    # GIVEN solutions with our owner tag, without one, with another value, and none at all
    group = f"{PREFIX}:dataset-group/shop"
    for name, tags in (("ours", {OWNER}), ("plain", set()), ("other", {"x"})):
        arn = w.fake.seed_solution(group, name)
        for value in tags:
            w.fake.call(
                "TagResource",
                {"resourceArn": arn, "tags": [{"tagKey": constants.OWNER_TAG, "tagValue": value}]},
            )
    # THEN only the first is ours; a missing one is not
    event = owner_event()
    found = {
        name: ownership.is_ours(w.deps, f"{PREFIX}:solution/{name}", event)
        for name in ("ours", "plain", "other", "gone")
    }
    assert found == {"ours": True, "plain": False, "other": False, "gone": False}


def test_is_this_stacks_reads_any_logical_id_of_this_stack():
    # GIVEN an event of stack `app`
    event = owner_event(logical_id="Other")
    # THEN values naming stack `app` (any resource) are this stack's; others, a stack id among them, are not
    assert ownership.is_this_stacks("app/CampaignX", event)
    assert not ownership.is_this_stacks(f"{STACK_ID}/CampaignX", event)
    assert not ownership.is_this_stacks("other-app/CampaignX", event)
    assert not ownership.is_this_stacks("sha256:" + "0" * 64, event)
    assert not ownership.is_this_stacks(None, event)
