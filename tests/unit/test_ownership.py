import hashlib
import re
from typing import TYPE_CHECKING

from lambda_handlers import constants, ownership
from lambda_handlers.events import Event
from tests.unit import OWNER_TAG, SOLUTION_ARN, STACK_ID, harness
from tests.unit import event as make_event

if TYPE_CHECKING:
    from mypy_boto3_personalize.type_defs import TagTypeDef

# Personalize's TagValue pattern `^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$` for ASCII (Python's re has no
# \p classes, so the fake server cannot check it: this test does).
TAG_VALUE = re.compile(r"[A-Za-z0-9 _.:/=+\-@]*")


def owner_event(*, stack_id: str = STACK_ID, logical_id: str = "Resource") -> Event:
    raw = make_event("Create", constants.SOLUTION_TYPE, {}, stack_id=stack_id, logical_id=logical_id)
    return Event.from_raw(raw)


def test_the_owner_is_the_stack_id_and_logical_id_in_a_valid_tag_value():
    # GIVEN CloudFormation's StackId and LogicalResourceId WHEN the owner tag is built
    tag = ownership.owner_tag(owner_event())
    # THEN both, joined by a character Personalize allows in tag values
    assert tag == OWNER_TAG
    assert tag is not None and tag["tagValue"] == f"{STACK_ID}/Resource"
    assert TAG_VALUE.fullmatch(tag["tagValue"])


def test_an_owner_longer_than_a_tag_value_is_sent_as_its_sha256():
    # GIVEN a stack id so long that stack id + logical id exceed 256 characters
    stack_id = f"arn:aws:cloudformation:us-east-1:123456789012:stack/{'n' * 128}/{'0' * 36}"
    logical_id = "Campaign" + "X" * 100
    full = f"{stack_id}/{logical_id}"
    assert len(full) > ownership.MAX_TAG_VALUE
    # WHEN the owner is built THEN the short, deterministic, valid form
    value = ownership.owner_value(owner_event(stack_id=stack_id, logical_id=logical_id))
    assert value == "sha256:" + hashlib.sha256(full.encode()).hexdigest()
    assert len(value) <= ownership.MAX_TAG_VALUE and TAG_VALUE.fullmatch(value)


def test_without_a_stack_id_nothing_is_tagged_and_nothing_is_ours():
    # GIVEN an event without StackId (CloudFormation always sends one; a hand-made event may not)
    event = owner_event(stack_id="")
    # THEN no owner tag, declared tags unchanged, and no existing resource counts as ours (no call)
    declared: list[TagTypeDef] = [{"tagKey": "team", "tagValue": "recs"}]
    assert ownership.owner_tag(event) is None
    assert ownership.with_owner_tag(declared, event) == declared
    with harness() as h:
        assert not ownership.is_ours(h.deps, SOLUTION_ARN, event)


def test_is_ours_compares_the_owner_tag_of_the_resource():
    event = owner_event()
    with harness() as h:
        for tags, ours in (([OWNER_TAG], True), ([], False), ([{**OWNER_TAG, "tagValue": "x"}], False)):
            h.expect("list_tags_for_resource", {"resourceArn": SOLUTION_ARN}, {"tags": tags})
            assert ownership.is_ours(h.deps, SOLUTION_ARN, event) is ours
