"""A chain of wait links: how a wait of more than CloudFormation's hour is built (training, imports).

One custom-resource operation answers within the Provider's hour. The first resource starts the
work and waits one link's budget; each link after it is another custom resource that waits
another budget from its own start, reading what it waits for from the previous link's
attribute; the last link fails the deploy once the whole budget is spent. Consumers depend on
the last link, so they move only once the work is done.
"""

import math
from collections.abc import Callable

from aws_cdk import CustomResource
from constructs import Construct

from lambda_handlers import constants
from lambda_handlers.contract import Contract
from stacks.custom_resource import custom_resource


def link_budgets(max_wait_minutes: int, link_seconds: int = constants.LINK_SECONDS) -> list[int]:
    """Seconds each link may wait: full links, then the rest; at least two links (first + 1)."""
    total = max_wait_minutes * 60
    count = max(2, math.ceil(total / link_seconds))
    budgets = [min(link_seconds, total - i * link_seconds) for i in range(count)]
    return [max(0, b) for b in budgets]


# (previous link, link index from 1, its budget in seconds, whether it is the last) → its properties
LinkSpec = Callable[[CustomResource, int, int, bool], Contract]


def wait_links(
    scope: Construct, first: CustomResource, budgets: list[int], *, logical_prefix: str, link: LinkSpec
) -> list[CustomResource]:
    """Links 1..n after `first` (link 0, which waits `budgets[0]`), each reading the one before."""
    links: list[CustomResource] = []
    previous = first
    for index, budget in enumerate(budgets[1:], start=1):
        spec = link(previous, index, budget, index == len(budgets) - 1)
        previous = custom_resource(
            scope, f"Wait{index}", spec=spec, logical_id=f"{logical_prefix}Wait{index}"
        )
        links.append(previous)
    return links
