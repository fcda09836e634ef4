"""Names of the solution versions this app trains: how a later event recognises its version."""

import hashlib
import re
from typing import Final

from lambda_handlers import constants

SLUG_MAX: Final = 40
PREFIX: Final = f"{constants.VERSION_NAME_PREFIX}-"


def slug(text: str, limit: int = SLUG_MAX) -> str:
    """Lower-case letters, digits and single dashes, at most `limit` characters."""
    cleaned = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return cleaned[:limit].rstrip("-")


def version_name(trigger: str, mode: str) -> str:
    """`cdk-{mode}-{trigger slug ≤ 40}-{sha256(trigger)[:8]}`: deterministic, ≤ 63 chars, valid name.

    An empty slug (a trigger with no letter or digit) leaves its segment out.
    """
    digest = hashlib.sha256(trigger.encode("utf-8")).hexdigest()[:8]
    parts = [constants.VERSION_NAME_PREFIX, slug(mode, 8), slug(trigger), digest]
    return "-".join(part for part in parts if part)


def is_ours(name: str | None) -> bool:
    """True for names this app gives (`cdk-...`)."""
    return bool(name) and str(name).startswith(PREFIX)
