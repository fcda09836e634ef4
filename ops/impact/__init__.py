"""What a change does to Amazon Personalize, read from two synthesized cloud assemblies.

`python -m impact BASE_DIR HEAD_DIR` prints Markdown for a pull-request comment and exits 0
(nothing notable), 2 (a retrain, or a Personalize resource replaced or deleted: ask for an
extra approval) or 1 (usage error). Modules are pure functions over template dicts; only
`assembly.py` and `__main__.py` touch files.
"""
