"""Which files a config may name: only files inside the repository or beside the config.

A config names files the build reads and ships: a dataset's `data` (staged as a file asset,
uploaded to the bootstrap bucket, copied into the data bucket, imported by Personalize), its
`schema` (written into the template), the base config of `extends`, and a pipeline stage's
`config`. In a pipeline a config-only pull request is enough to name one, so a path that reached
any file of the build host (`../../secret`, `/etc/...`, a symlink to either) would publish it.

Rule: the path, after `Path.resolve()` (which follows every symlink), must lie under the
repository root (the folder holding app.py) or under the folder of the config file that names
it. The second root keeps configs that tests and the benchmark write into temporary folders,
with their data beside them, working. Everything else is a config problem naming the field.
"""

from pathlib import Path

import yaml

from stacks.config_model.errors import ConfigError, Problem

REPO_ROOT = Path(__file__).resolve().parents[2]
"""The folder holding app.py (this file is stacks/config_model/paths.py)."""


def _under(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def outside(resolved: Path, config_file: Path) -> str | None:
    """Why `resolved` (already `resolve()`d) may not be read for `config_file`; None when it may."""
    beside = config_file.resolve().parent
    if _under(resolved, REPO_ROOT) or _under(resolved, beside):
        return None
    return f"outside the repository ({REPO_ROOT}) and this config's folder ({beside})"


def confined(field: str, given: str, config_file: Path, problems: list[Problem]) -> Path:
    """`given`, relative to `config_file`'s folder, resolved; a problem for `field` when outside."""
    resolved = (config_file.parent / given).resolve()
    why = outside(resolved, config_file)
    if why is not None:
        problems.append(
            Problem(field, f"'{given}' resolves to {resolved}, {why}; keep the file inside one of them")
        )
    return resolved


# Fixed words per PyYAML error class: its own messages quote the offending text (a token, a tag,
# an alias name, the whole line in the snippet), and the file may be anything a config named.
_YAML_KINDS = {
    "ScannerError": "a token is malformed here (a tab, a stray character, an unclosed quote)",
    "ParserError": "the structure is wrong here (indentation, a missing ':' or '-')",
    "ComposerError": "an alias or anchor is wrong here",
    "ConstructorError": "a value or tag here cannot be read as plain data",
}


def yaml_error(path: Path, exc: yaml.YAMLError) -> ConfigError:
    """A parse error as `file:line:column` and fixed words, never the file's content."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
    kind = _YAML_KINDS.get(type(exc).__name__, "it cannot be parsed")
    return ConfigError(str(path), [Problem("", f"not valid YAML at {where}: {kind}")])
