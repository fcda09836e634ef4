"""Shared test helpers: synthesize configs once per session."""
