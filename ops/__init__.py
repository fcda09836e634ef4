"""Command-line tools for the people who run this app: what a synth produced (`summary`),
what a change does (`impact`), and the shared reader of cloud assemblies (`assembly`)."""
