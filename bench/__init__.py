"""`make bench`: synth floor, scale limits, deploy work, handler cost and the test loop.

Each section lives in its own module and returns table rows; `bench.run` runs them in order,
turns a section's exception into a "failed: <reason>" row and writes the Markdown table to
stdout and `bench/README.md`. No numbers here are asserted: the machine is noisy, so timings
are medians with min–max, and ratios compare runs interleaved in the same process.
"""
