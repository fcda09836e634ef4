"""Test doubles: a virtual clock and an in-memory Amazon Personalize behind a local HTTP server."""
