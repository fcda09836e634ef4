"""When Personalize no longer has what CloudFormation recorded (deleted by hand, in the console).

- A campaign can be rebuilt from its properties: the campaign handler creates it again (as ours).
- A solution cannot be rebuilt by the resources that use it (the version and the campaign lack
  its configuration): every resource that finds its solution gone fails with `SolutionGoneError`,
  which says how to recover.
- A rollback Update that finds nothing to go back to succeeds without a write and logs it
  (`nothing_to_roll_back`): failing it would leave the stack in UPDATE_ROLLBACK_FAILED for
  something no deploy can bring back. Its isComplete then answers at once (`rolled_back_nothing`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Final

from botocore.exceptions import ClientError

from lambda_handlers import arns
from lambda_handlers.constants import Attr, Status
from lambda_handlers.errors import NOT_FOUND, DeployError, error_code
from lambda_handlers.events import OnEventResponse, Update, respond
from lambda_handlers.kernel import stack
from lambda_handlers.kernel.status import canonical

if TYPE_CHECKING:
    from lambda_handlers.deps import Deps
    from lambda_handlers.events import Event

NOTHING: Final = "NOTHING_TO_ROLL_BACK"  # Attr.STATUS of a rollback Update that found nothing


class SolutionGoneError(DeployError):
    """The one-line failure of any resource whose solution was deleted outside the stack."""

    def __init__(self, solution_arn: str) -> None:
        name = arns.solution_name(solution_arn)
        super().__init__(
            f"solution {name} no longer exists ({solution_arn}): it was deleted outside this stack, "
            "which cannot rebuild it in place; give the solution another physical_name and deploy, or "
            "delete the stack and deploy it again"
        )


def solution_exists(deps: Deps, solution_arn: str) -> bool:
    """Whether the solution is there and not being deleted."""
    try:
        found = deps.personalize.describe_solution(solutionArn=solution_arn)["solution"]
    except ClientError as exc:
        if error_code(exc) == NOT_FOUND:
            return False
        raise
    return canonical(found.get("status")) not in Status.DELETING


@contextmanager
def solution_required(deps: Deps, solution_arn: str) -> Iterator[None]:
    """ResourceNotFound inside the block, and the solution is gone → `SolutionGoneError`."""
    try:
        yield
    except ClientError as exc:
        if error_code(exc) != NOT_FOUND or solution_exists(deps, solution_arn):
            raise
        raise SolutionGoneError(solution_arn) from exc


def nothing_to_roll_back(deps: Deps, event: Event, what: str) -> OnEventResponse | None:
    """During a rollback Update: log that `what` is gone and answer the recorded id, no write.
    None for anything else (a deploy's own Update, a Create)."""
    if not isinstance(event, Update) or not stack.rolling_back(deps, event):
        return None
    deps.log(f"rollback of {event.logical_id}: {what} no longer exists; nothing to go back to")
    return respond(event.physical_id, {Attr.STATUS: NOTHING})


def rolled_back_nothing(event: Event) -> bool:
    """isComplete of an operation `nothing_to_roll_back` answered: complete at once."""
    return event.data.get(Attr.STATUS) == NOTHING
