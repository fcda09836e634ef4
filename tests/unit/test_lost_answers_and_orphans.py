"""`kernel.lost_answers.create_once` and `kernel.deletion`'s rules for what CloudFormation never recorded."""

from dataclasses import replace
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lambda_handlers import constants
from lambda_handlers.events import Event, parse
from lambda_handlers.kernel import deletion
from lambda_handlers.kernel.lost_answers import CREATE_ATTEMPTS, create_once
from tests.unit import CAMPAIGN_ARN, World
from tests.unit import event as make_event


def client_error(code: str, status: int) -> ClientError:
    response: Any = {"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(response, "CreateX")


class Creates:
    """A Create that answers the given errors in turn, then an ARN; counts its calls."""

    def __init__(self, *errors: ClientError) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "arn:made"


def test_a_lost_answer_is_looked_up_and_not_sent_again(w: World) -> None:
    # GIVEN a Create that acted but answered 500, and a lookup that finds what it made
    create = Creates(client_error("InternalServerError", 500))
    # WHEN created once
    found = create_once(w.deps, create=create, find=lambda: "arn:found", what="Create of x")
    # THEN the lookup's answer, after one call
    assert (found, create.calls) == ("arn:found", 1)


def test_a_lost_answer_with_nothing_made_is_sent_again_after_a_backoff(w: World) -> None:
    # GIVEN a Create throttled once, and a lookup that finds nothing
    create = Creates(client_error("ThrottlingException", 400))
    start = w.clock.now()
    # WHEN created once (the world's deps sleep on the virtual clock)
    deps = replace(w.deps, sleep=w.clock.advance)
    made = create_once(deps, create=create, find=lambda: None, what="Create of x")
    # THEN the second call made it, one second later
    assert (made, create.calls, w.clock.now() - start) == ("arn:made", 2, 1)


def test_fails_when_every_attempt_is_lost_and_nothing_was_made(w: World) -> None:
    # GIVEN a Create that always answers 500 and made nothing
    create = Creates(*[client_error("InternalServerError", 500)] * CREATE_ATTEMPTS)
    deps = replace(w.deps, sleep=w.clock.advance)
    # WHEN created once THEN the last error propagates after CREATE_ATTEMPTS calls
    with pytest.raises(ClientError):
        create_once(deps, create=create, find=lambda: None, what="Create of x")
    assert create.calls == CREATE_ATTEMPTS


def test_fails_when_the_create_is_refused_without_a_lookup(w: World) -> None:
    # GIVEN a Create refused as already existing (not transient: the caller decides)
    create = Creates(client_error("ResourceAlreadyExistsException", 400))
    looked: list[int] = []

    def find() -> Any:
        looked.append(1)
        return None

    # WHEN created once THEN the error propagates and nothing was looked up
    with pytest.raises(ClientError):
        create_once(w.deps, create=create, find=find, what="Create of x")
    assert looked == []


def update_event(physical_id: str) -> Event:
    return parse(make_event("Update", constants.CAMPAIGN_TYPE, {}, physical_id=physical_id))


def test_only_a_rename_cancelled_before_cloudformation_recorded_it_leaves_an_orphan() -> None:
    new, old = f"{CAMPAIGN_ARN}-new", CAMPAIGN_ARN
    # GIVEN a rollback Update back to `old` from `new`, with the id CloudFormation recorded
    # THEN `new` is an orphan only when CloudFormation never recorded it (a cancelled update)
    assert deletion.cancelled_rename(update_event(old), left_arn=new, target_arn=old) == new
    assert deletion.cancelled_rename(update_event(new), left_arn=new, target_arn=old) is None
    assert deletion.cancelled_rename(update_event(f"adopted:{new}"), left_arn=new, target_arn=old) is None
    # AND a forward rename (the id is the old name's) or no rename never leaves one
    assert deletion.cancelled_rename(update_event(old), left_arn=old, target_arn=new) is None
    assert deletion.cancelled_rename(update_event(old), left_arn=old, target_arn=old) is None


def test_the_late_create_budget_counts_the_lambda_timeout_from_on_event() -> None:
    # GIVEN an isComplete event whose onEvent started at 1000 (and one without a recorded start)
    started = parse(make_event("Delete", constants.CAMPAIGN_TYPE, {}, data={"StartedAt": "1000"}))
    unknown = parse(make_event("Delete", constants.CAMPAIGN_TYPE, {}))
    # THEN it is spent at 1000 + the handlers' Lambda timeout; without a start, at once
    budget = deletion.late_create_budget(started)
    assert not budget.spent(1000 + constants.HANDLER_TIMEOUT_SECONDS - 1)
    assert budget.spent(1000 + constants.HANDLER_TIMEOUT_SECONDS)
    assert deletion.late_create_budget(unknown).spent(constants.HANDLER_TIMEOUT_SECONDS)
