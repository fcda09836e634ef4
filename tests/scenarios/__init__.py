"""End-to-end deploy scenarios: real synthesized templates, real handlers, the HTTP fake, virtual time."""
