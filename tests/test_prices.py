"""Cost lines of the impact report (ops/impact/prices.py): arithmetic and the unknown-price rule."""

from ops.impact.prices import PRICES, Price, floor_change, price

# A made-up figure for arithmetic only: the repo's table holds no price it did not read from AWS.
TEST_TABLE = (Price("eu-west-1", "tps-hour", 1.0, "test", "2026-12-02"),)


def test_every_recorded_row_names_its_source_and_date() -> None:
    # GIVEN the repo's price table
    # THEN each row has a source page and an ISO date, and no figure is filled without one
    for row in PRICES:
        assert row.source.startswith("https://aws.amazon.com/") and len(row.read_on) == 10


def test_unknown_price_is_said_never_guessed() -> None:
    # GIVEN no figure for us-east-1 WHEN the floor rises 1 → 5
    line = floor_change("us-east-1", 1, 5)
    # THEN TPS-hours are computed (4 TPS × 730 h) and the money is "unknown"
    assert line == (
        "the floor rises by 4 TPS, at least +2,920 TPS-hours a month, an unknown amount at the list price "
        "(no list price recorded for us-east-1 in ops/impact/prices.py)"
    )
    assert price("us-east-1", "tps-hour") is None


def test_known_price_gives_a_lower_bound_with_its_source() -> None:
    # GIVEN a table with a price WHEN the floor rises 1 → 3
    line = floor_change("eu-west-1", 1, 3, TEST_TABLE)
    # THEN 2 TPS × 730 h × 1.00
    assert line == (
        "the floor rises by 2 TPS, at least +1,460 TPS-hours a month, at least $1,460.00 at the list price "
        "(eu-west-1, test, read 2026-12-02)"
    )


def test_lower_floor_is_at_most_a_saving() -> None:
    line = floor_change("eu-west-1", 5, 1, TEST_TABLE)
    assert line.startswith("the floor falls by 4 TPS, up to 2,920 fewer TPS-hours a month billed")
    assert "up to $2,920.00" in line
