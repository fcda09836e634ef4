"""Generate the synthetic sample data of the default example (the "news" workshop).

Why this exists: the default configuration (config/default.yaml) must be deployable and
testable without downloading a real click log, so the repository ships a small, fake
news-site data set: articles (items.csv) and the users' clicks and reads on them
(interactions.csv). Checking the generator in next to its output keeps the data
reviewable and reproducible: the output depends only on SEED and the constants below
(stdlib ``random.Random(SEED)``, timestamps from a fixed 2026-01-01..2026-03-31 UTC
window, never the wall clock), so re-running it gives byte-identical files.

The data is shaped like real news traffic, enough for Amazon Personalize to learn from:
Zipf-like article popularity, clicks favouring fresh articles, traffic growing over the
window, every user with at least two interactions and a taste for a few categories, a
"read" following a minority of clicks, and no interaction before its article exists.

Usage:
    python scripts/make_sample_data.py            # (re)write config/data/*.csv
    python scripts/make_sample_data.py --check    # exit 1 if the files on disk differ
"""

from __future__ import annotations

import argparse
import bisect
import csv
import io
import itertools
import math
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

SEED = 20260101
N_ITEMS = 400
N_USERS = 150
N_INTERACTIONS = 3000
MIN_PER_USER = 2
READ_PROBABILITY = 0.3  # share of clicks followed by a read of the same article
ITEM_ZIPF_EXPONENT = 0.9
USER_ZIPF_EXPONENT = 0.6
FRESHNESS_HALF_LIFE_DAYS = 4.0
PREFERRED_CATEGORY_BOOST = 6.0

WINDOW_START = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())
WINDOW_END = int(datetime(2026, 3, 31, 23, 59, 59, tzinfo=UTC).timestamp())
DAY = 86_400
FIRST_CLICK = WINDOW_START + DAY  # leave the first day for the catalogue to fill up
LAST_CLICK = WINDOW_END - 3_600  # room for the read that may follow a click

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "config" / "data"
ITEMS_HEADER = ("ITEM_ID", "CATEGORY", "AUTHOR", "TITLE", "CREATION_TIMESTAMP")
INTERACTIONS_HEADER = ("USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE")

# fmt: off
AUTHORS = (
    "Ana Ruiz", "Ben Okafor", "Chloe Martin", "David Chen", "Elena Petrova", "Farid Haddad",
    "Grace Kim", "Hugo Lambert", "Isha Patel", "Jonas Berg", "Kate O'Neill", "Luis Moreno",
)

# Per category: headline subjects (plural iff the last word ends in "s") and predicates
# (verb in the base form, conjugated for singular subjects).
TOPICS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "politics": (
        ("Parliament", "The senate", "Coalition talks", "The prime minister", "Opposition leaders",
         "Regional governors", "Election officials"),
        ("back new budget deal", "stall over tax reform", "face a confidence vote",
         "promise a housing plan", "clash over spending", "agree on a voting reform"),
    ),
    "sports": (
        ("The home team", "Veteran striker", "Olympic hopefuls", "The league champions",
         "A rookie goalkeeper", "Tennis star"),
        ("win a thriller in extra time", "sign a record contract", "crash out of the cup",
         "break a national record", "return from injury", "top the table"),
    ),
    "business": (
        ("Tech shares", "Central bank", "A retail giant", "Small businesses", "Oil prices",
         "The largest airline"),
        ("rally on strong earnings", "hold interest rates", "announce job cuts",
         "report record profits", "slide on weak demand", "plan a merger"),
    ),
    "technology": (
        ("A chip maker", "A startup", "Researchers", "Smartphone sales", "A cloud provider",
         "Open-source developers"),
        ("unveil a faster processor", "raise a new funding round", "patch a critical flaw",
         "bet on quantum computing", "launch a satellite network", "rethink data privacy"),
    ),
    "culture": (
        ("A debut novel", "The film festival", "A touring orchestra", "Museum curators",
         "A streaming drama", "Street artists"),
        ("win a major prize", "draw record crowds", "return after a decade",
         "split the critics", "celebrate a centenary", "revive a forgotten classic"),
    ),
    "science": (
        ("Astronomers", "A space probe", "Marine biologists", "Physicists", "Climate scientists",
         "Geologists"),
        ("spot a distant exoplanet", "map the ocean floor", "find a new species",
         "measure a tiny particle", "warn of record heat", "date ancient rocks"),
    ),
    "health": (
        ("A new vaccine", "Hospital nurses", "Nutrition experts", "A large study",
         "Public health officials", "Sleep researchers"),
        ("show promise in trials", "warn of a winter surge", "question a popular diet",
         "link exercise to memory", "expand free screenings", "explain a common habit"),
    ),
    "world": (
        ("Peace envoys", "Flood-hit villages", "Border towns", "Regional leaders",
         "Aid agencies", "Coastal cities"),
        ("seek a ceasefire", "rebuild after storms", "brace for elections",
         "sign a trade pact", "appeal for support", "prepare for rising seas"),
    ),
}
# fmt: on
CATEGORIES = tuple(TOPICS)
HEADLINE_LEADS = ("", "", "", "Analysis: ", "Live: ", "Exclusive: ")
HEADLINE_TAILS = ("", "", "", ", sources say", ", report finds", " as pressure mounts")


@dataclass(frozen=True)
class Item:
    """One news article of the catalogue."""

    item_id: str
    category: str
    author: str
    title: str
    created: int


@dataclass(frozen=True)
class Interaction:
    """One event of a user on an article."""

    user_id: str
    item_id: str
    timestamp: int
    event_type: str


def zipf_weights(n: int, exponent: float) -> list[float]:
    """Weights 1/rank**exponent for ranks 1..n."""
    return [1.0 / (rank**exponent) for rank in range(1, n + 1)]


def agree(subject: str, predicate: str) -> str:
    """`predicate` with its leading verb conjugated to agree with `subject`."""
    if subject.endswith("s"):
        return predicate
    verb, _, rest = predicate.partition(" ")
    if verb.endswith(("s", "sh", "ch", "x", "z")):
        verb += "es"
    elif verb.endswith("y") and verb[-2:-1] not in "aeiou":
        verb = verb[:-1] + "ies"
    else:
        verb += "s"
    return f"{verb} {rest}"


def make_title(rng: random.Random, category: str) -> str:
    """A short plausible headline for a category, from the word lists."""
    subjects, predicates = TOPICS[category]
    subject = rng.choice(subjects)
    core = f"{subject} {agree(subject, rng.choice(predicates))}"
    return f"{rng.choice(HEADLINE_LEADS)}{core}{rng.choice(HEADLINE_TAILS)}"


def make_items(rng: random.Random) -> list[Item]:
    """The catalogue, in creation order; IDs follow creation order too."""
    created = sorted(rng.randint(WINDOW_START, LAST_CLICK - DAY) for _ in range(N_ITEMS))
    items = []
    for index, timestamp in enumerate(created, start=1):
        category = rng.choice(CATEGORIES)
        items.append(
            Item(
                item_id=f"A{index:04d}",
                category=category,
                author=rng.choice(AUTHORS),
                title=make_title(rng, category),
                created=timestamp,
            )
        )
    return items


def interaction_budgets(rng: random.Random) -> list[int]:
    """Interactions per user: MIN_PER_USER each, the rest spread Zipf-like over users."""
    budgets = [MIN_PER_USER] * N_USERS
    weights = zipf_weights(N_USERS, USER_ZIPF_EXPONENT)
    rng.shuffle(weights)
    for user in rng.choices(range(N_USERS), weights=weights, k=N_INTERACTIONS - MIN_PER_USER * N_USERS):
        budgets[user] += 1
    return budgets


def click_time(rng: random.Random) -> int:
    """A click time in the window, denser towards the end (growing traffic)."""
    return FIRST_CLICK + int((LAST_CLICK - FIRST_CLICK) * math.sqrt(rng.random()))


def pick_item(
    rng: random.Random,
    items: Sequence[Item],
    popularity: Sequence[float],
    preferred: frozenset[str],
    when: int,
) -> Item:
    """An article already published at `when`: popular, fresh and to the user's taste."""
    published = bisect.bisect_right([item.created for item in items], when)
    weights = []
    for item, base in zip(items[:published], popularity[:published], strict=True):
        age_days = (when - item.created) / DAY
        freshness = 0.5 ** (age_days / FRESHNESS_HALF_LIFE_DAYS)
        taste = PREFERRED_CATEGORY_BOOST if item.category in preferred else 1.0
        weights.append(base * freshness * taste)
    return rng.choices(items[:published], weights=weights, k=1)[0]


def user_events(
    rng: random.Random, user_id: str, budget: int, items: Sequence[Item], popularity: Sequence[float]
) -> list[Interaction]:
    """`budget` interactions of one user: clicks, some followed by a read."""
    preferred = frozenset(rng.sample(CATEGORIES, k=rng.choice((1, 2, 3))))
    events: list[Interaction] = []
    while len(events) < budget:
        when = click_time(rng)
        item = pick_item(rng, items, popularity, preferred, when)
        events.append(Interaction(user_id, item.item_id, when, "click"))
        if len(events) < budget and rng.random() < READ_PROBABILITY:
            events.append(Interaction(user_id, item.item_id, when + rng.randint(30, 900), "read"))
    return events


def make_interactions(rng: random.Random, items: Sequence[Item]) -> list[Interaction]:
    """All interactions, sorted by time then user, item and event type."""
    popularity = zipf_weights(len(items), ITEM_ZIPF_EXPONENT)
    rng.shuffle(popularity)  # popularity rank independent of publication order
    budgets = interaction_budgets(rng)
    events = itertools.chain.from_iterable(
        user_events(rng, f"U{user:03d}", budget, items, popularity)
        for user, budget in enumerate(budgets, start=1)
    )
    return sorted(events, key=lambda e: (e.timestamp, e.user_id, e.item_id, e.event_type))


def to_csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """CSV text with a header row, minimal quoting and LF line endings."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def render(seed: int = SEED) -> dict[str, str]:
    """File name -> CSV content for the whole sample data set."""
    rng = random.Random(seed)
    items = make_items(rng)
    interactions = make_interactions(rng, items)
    return {
        "items.csv": to_csv(
            ITEMS_HEADER,
            [(i.item_id, i.category, i.author, i.title, i.created) for i in items],
        ),
        "interactions.csv": to_csv(
            INTERACTIONS_HEADER,
            [(e.user_id, e.item_id, e.timestamp, e.event_type) for e in interactions],
        ),
    }


def stale_files(data_dir: Path, files: dict[str, str]) -> list[Path]:
    """The files of `files` missing from `data_dir` or differing from it."""
    stale = []
    for name, content in files.items():
        path = data_dir / name
        if not path.is_file() or path.read_bytes() != content.encode("utf-8"):
            stale.append(path)
    return stale


def write_files(data_dir: Path, files: dict[str, str]) -> None:
    """Write `files` into `data_dir` as UTF-8."""
    data_dir.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (data_dir / name).write_bytes(content.encode("utf-8"))


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="exit 1 if the files on disk are not up to date")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="default: config/data")
    args = parser.parse_args(argv)
    files = render()
    if args.check:
        stale = stale_files(args.data_dir, files)
        for path in stale:
            print(f"out of date: {path} (run: python scripts/make_sample_data.py)", file=sys.stderr)
        return 1 if stale else 0
    write_files(args.data_dir, files)
    for name in files:
        print(f"wrote {args.data_dir / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
