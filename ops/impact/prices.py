"""The one price table of the impact report, and the billing rules its cost lines rest on.

Billing rules (what the lines say without a price), from AWS's own text:
- "The minimum provisioned TPS (minProvisionedTPS) specifies the baseline throughput provisioned
  by Amazon Personalize, and thus, the minimum billing charge ... The actual TPS used is
  calculated as the average requests/second within a 5-minute window. You pay for maximum of
  either the minimum provisioned TPS or the actual TPS." — CreateCampaign, Amazon Personalize
  API reference (https://docs.aws.amazon.com/personalize/latest/dg/API_CreateCampaign.html) and
  the AWS CLI reference of create-campaign; read 2026-12-02.
- Training is billed per training hour, "one hour of compute capacity using 4 vCPUs and 8 GiB";
  Personalize may use larger instances, so billed hours can exceed elapsed hours — Amazon
  Personalize pricing page (https://aws.amazon.com/de/personalize/pricing/, German edition,
  the one stored in our search index), read 2026-12-02.

Prices: the stored copy of the pricing page (searched 2026-12-02, corpora "pages" and "docs")
returned the billing text above but no dollar figure for any region, so every price below is
None and the report says "unknown". Fill a row only from AWS's published pricing, with the
date it was read; never from memory or third-party pages.
"""

import re
from dataclasses import dataclass
from typing import Final

HOURS_PER_MONTH: Final = 730  # AWS pricing pages' convention for a month of hours
PRICING_PAGE: Final = "https://aws.amazon.com/personalize/pricing/"


@dataclass(frozen=True)
class Price:
    region: str
    item: str  # "tps-hour" (real-time recommendations, first tier) | "training-hour"
    usd: float | None  # None: not found in AWS's published pricing
    source: str
    read_on: str  # ISO date the source was read


PRICES: Final[tuple[Price, ...]] = (
    Price("us-east-1", "tps-hour", None, PRICING_PAGE, "2026-12-02"),
    Price("us-east-1", "training-hour", None, PRICING_PAGE, "2026-12-02"),
)


def price(region: str | None, item: str, table: tuple[Price, ...] = PRICES) -> Price | None:
    """The recorded price of `item` in `region`; None when the row is missing or has no figure."""
    found = next((p for p in table if p.region == region and p.item == item), None)
    return found if found is not None and found.usd is not None else None


def floor_change(region: str | None, old_tps: int, new_tps: int, table: tuple[Price, ...] = PRICES) -> str:
    """`the floor rises by 4 TPS, at least +2,920 TPS-hours a month, at least $M at the list price`."""
    delta = new_tps - old_tps
    hours = abs(delta) * HOURS_PER_MONTH
    known = price(region, "tps-hour", table)
    if delta > 0:
        money = (
            f"at least ${hours * known.usd:,.2f}" if known and known.usd is not None else "an unknown amount"
        )
        return (
            f"the floor rises by {delta} TPS, at least +{hours:,} TPS-hours a month, "
            f"{money} at the list price{_unknown(known, region)}"
        )
    money = f"up to ${hours * known.usd:,.2f}" if known and known.usd is not None else "an unknown amount"
    return (
        f"the floor falls by {-delta} TPS, up to {hours:,} fewer TPS-hours a month billed when traffic "
        f"stays under it, {money} at the list price{_unknown(known, region)}"
    )


def _unknown(known: Price | None, region: str | None) -> str:
    if known is not None:
        return f" ({known.region}, {known.source}, read {known.read_on})"
    where = region or "an environment-agnostic stack"
    return f" (no list price recorded for {where} in ops/impact/prices.py)"


TRAINING_LINE: Final = "one training, billed per training compute hour"


def auto_training_line(schedule: str) -> str:
    """What auto-training costs: Personalize trains a version every period by itself (API reference,
    AutoTrainingConfig; developer guide "Configuring automatic training": only when interactions
    were imported since the last training)."""
    match = re.fullmatch(r"rate\((\d+) days?\)", schedule.strip())
    if match is None:
        return (
            f"Personalize retrains by itself on {schedule}: one training per period, billed per training hour"
        )
    days = int(match.group(1))
    return (
        f"Personalize retrains by itself every {days} day{'s' if days > 1 else ''}: one training per period "
        f"(about {365 // days} a year), billed per training compute hour"
    )


# Batch jobs: the stored copy of the pricing page (above) shows no batch rule or figure, so the
# line names the cost driver the API exposes (one job over the whole input file, output to S3)
# and no price; no campaign and no TPS floor bill between runs.
BATCH_LINE: Final = (
    "one job over every line of its input file (billed by the job's volume; the stored pricing page "
    f"gives no batch rule or price, see {PRICING_PAGE}); no campaign, nothing billed between runs"
)
