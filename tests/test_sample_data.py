"""The sample data shipped with the default config: reproducible, and enough for Personalize.

Personalize refuses to train on less than 1000 interactions or fewer than 25 users with at
least two interactions each; the CSV headers must be the schema's field names.
"""

import csv
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.support.synth import REPO

DATA = REPO / "config" / "data"
SCHEMAS = REPO / "config" / "schemas"


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_committed_data_is_what_the_script_makes():
    # GIVEN the generator and the committed CSVs
    # WHEN the generator checks them without writing
    result = subprocess.run(
        [sys.executable, "scripts/make_sample_data.py", "--check"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # THEN they are up to date
    assert result.returncode == 0, result.stderr


def test_the_interactions_meet_personalizes_minimums():
    # GIVEN the interactions CSV
    interactions = rows(DATA / "interactions.csv")
    per_user = Counter(row["USER_ID"] for row in interactions)
    # THEN there are at least 1000 interactions and 25 users with two or more
    assert len(interactions) >= 1000
    assert sum(1 for count in per_user.values() if count >= 2) >= 25


def test_interactions_refer_to_known_items_and_the_filters_event_type():
    # GIVEN both CSVs
    items = {row["ITEM_ID"] for row in rows(DATA / "items.csv")}
    interactions = rows(DATA / "interactions.csv")
    # THEN every interaction is on a catalogued item, and "click" (the default filter's) occurs
    assert {row["ITEM_ID"] for row in interactions} <= items
    assert "click" in {row["EVENT_TYPE"] for row in interactions}
    assert all(int(row["TIMESTAMP"]) > 0 for row in interactions)


@pytest.mark.parametrize("kind", ["interactions", "items"])
def test_csv_headers_are_the_schema_fields(kind):
    # GIVEN a dataset's Avro schema and its CSV
    fields = [f["name"] for f in json.loads((SCHEMAS / f"{kind}.json").read_text())["fields"]]
    with (DATA / f"{kind}.csv").open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    # THEN the CSV header is exactly the schema's fields, in order
    assert header == fields
