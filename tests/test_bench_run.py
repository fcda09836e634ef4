"""`python -m bench.run 5 --update` replaces section 5's rows in bench/README.md and nothing else."""

from bench.run import merged

RESULTS = """# Benchmark results

Machine: 2 cores. Sections: 1, 5. Whole run: 11.1 min.

Timings are medians.

| Section | Metric | Measured | Floor / goal / limit | Note |
|---|---|---|---|---|
| 1. Synth floor | synth | 14.16 s |  |  |
| 5. Test loop | make test | 258.0 s | ≤ 90 s |  |
| 5. Test loop | slowest | 21.8 s |  |  |
"""
HEADER = "| Section | Metric | Measured | Floor / goal / limit | Note |\n|---|---|---|---|---|\n"


def test_a_rerun_section_replaces_its_rows_in_place_and_says_when() -> None:
    # GIVEN results of a whole run / WHEN section 5 is measured again
    text = merged(
        RESULTS,
        ["5. Test loop"],
        HEADER + "| 5. Test loop | make test | 60.0 s | ≤ 90 s |  |\n",
        "Sections 5 measured again on D1",
    )
    # THEN its two old rows give way to the new one, where they were; section 1 is untouched
    rows = [line for line in text.splitlines() if line.startswith("| 1.") or line.startswith("| 5.")]
    assert rows == [
        "| 1. Synth floor | synth | 14.16 s |  |  |",
        "| 5. Test loop | make test | 60.0 s | ≤ 90 s |  |",
    ]
    # AND the header says which sections were measured apart, and when
    assert (
        "Sections 5 measured again on D1; the other sections are from the whole run above.\n\nTimings" in text
    )


def test_a_second_rerun_replaces_the_first_note() -> None:
    # GIVEN section 5 measured again twice
    row = HEADER + "| 5. Test loop | make test | 60.0 s | ≤ 90 s |  |\n"
    once = merged(RESULTS, ["5. Test loop"], row, "Sections 5 measured again on D1")
    twice = merged(once, ["5. Test loop"], row, "Sections 5 measured again on D2")
    # THEN only the latest note remains, and the layout is the one of a single rerun
    assert "D1" not in twice and twice == merged(
        RESULTS, ["5. Test loop"], row, "Sections 5 measured again on D2"
    )
