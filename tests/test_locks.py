"""The dependency locks, offline: every file pip installs is pinned with its hashes, each lock
matches the top-level pins it was compiled from (`make lock`), one lock serves Python 3.11 (here)
and 3.12 (the pipeline's builds), and the npm pins are exact and locked."""

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.markers import Marker, default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.support.synth import REPO

LOCKS = ("requirements.txt", "requirements-dev.txt", "requirements-lock-tool.txt")
SOURCES = {
    "requirements.txt": ("requirements.in",),
    "requirements-dev.txt": ("requirements.in", "requirements-dev.in"),
    "requirements-lock-tool.txt": ("requirements-lock-tool.in",),
}


@dataclass(frozen=True)
class Locked:
    name: str
    version: str
    marker: str | None
    hashes: tuple[str, ...]


def read_lock(name: str) -> list[Locked]:
    """The entries of a lock: `name==version [; marker]` and its `--hash` options."""
    text = (REPO / name).read_text().replace("\\\n", " ")
    entries = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        spec, *options = re.split(r"\s+(?=--)", line)
        requirement = Requirement(spec)
        (pin,) = requirement.specifier
        assert pin.operator == "==", line
        hashes = tuple(o.removeprefix("--hash=") for o in options if o.startswith("--hash="))
        assert len(hashes) == len(options), f"{name}: only --hash options may follow a pin: {line}"
        marker = str(requirement.marker) if requirement.marker else None
        entries.append(Locked(canonicalize_name(requirement.name), pin.version, marker, hashes))
    return entries


def top_level_pins(source: str) -> dict[str, str]:
    pins: dict[str, str] = {}
    for raw in (REPO / source).read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            requirement = Requirement(line)
            (pin,) = requirement.specifier
            pins[canonicalize_name(requirement.name)] = pin.version
    return pins


def selected(lock: list[Locked], python: str, platform: str) -> dict[str, str]:
    """What pip installs from `lock` on that Python and platform: name → version."""
    env: dict[str, str] = {k: str(v) for k, v in default_environment().items()} | {
        "python_version": ".".join(python.split(".")[:2]),
        "python_full_version": python,
        "sys_platform": platform,
        "platform_system": {"linux": "Linux", "darwin": "Darwin", "win32": "Windows"}[platform],
        "platform_python_implementation": "CPython",
        "implementation_name": "cpython",
    }
    chosen: dict[str, str] = {}
    for entry in lock:
        if entry.marker is None or Marker(entry.marker).evaluate(env):
            assert entry.name not in chosen, f"{entry.name} twice on Python {python}/{platform}"
            chosen[entry.name] = entry.version
    return chosen


@pytest.mark.parametrize("lock", LOCKS)
def test_every_locked_file_is_pinned_and_hashed(lock):
    entries = read_lock(lock)
    assert entries
    for entry in entries:
        assert entry.hashes, f"{lock}: {entry.name} has no hash"
        assert all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in entry.hashes), entry.name


@pytest.mark.parametrize("lock", LOCKS)
def test_every_top_level_pin_is_locked_at_its_version(lock):
    # GIVEN the top-level pins the lock is compiled from
    pins = {name: v for source in SOURCES[lock] for name, v in top_level_pins(source).items()}
    locked = {(e.name, e.version) for e in read_lock(lock)}
    # THEN each is in the lock at that version (else: run `make lock`)
    assert [f"{n}=={v}" for n, v in sorted(pins.items()) if (n, v) not in locked] == []


def test_the_dev_lock_holds_the_runtime_lock_unchanged():
    # Installing requirements.txt, then requirements-dev.txt, changes no runtime package.
    dev = set(read_lock("requirements-dev.txt"))
    assert [e.name for e in read_lock("requirements.txt") if e not in dev] == []


@pytest.mark.parametrize("lock", ["requirements.txt", "requirements-dev.txt"])
@pytest.mark.parametrize(
    ("python", "platform"),
    [
        ("3.11.7", "linux"),
        ("3.11.4", "linux"),
        ("3.12.1", "linux"),
        ("3.12.12", "linux"),
        ("3.12.1", "darwin"),
    ],
)
def test_one_lock_serves_the_local_and_the_pipeline_python(lock, python, platform):
    # GIVEN a Python this repo runs on (3.11 here, 3.12 in the pipeline's builds)
    chosen = selected(read_lock(lock), python, platform)
    # THEN the lock installs every top-level pin there, each package once
    pins = {name: v for source in SOURCES[lock] for name, v in top_level_pins(source).items()}
    assert {n: chosen.get(n) for n in pins} == pins


def test_the_lock_files_say_how_they_are_made():
    for lock in LOCKS:
        assert "#    make lock\n" in (REPO / lock).read_text(), lock
    makefile = (REPO / "Makefile").read_text().replace("\\\n", " ")
    (recipe,) = re.findall(r"^LOCK = (.*)$", makefile, flags=re.MULTILINE)
    for option in ("pip compile", "--universal", "--python-version 3.11", "--generate-hashes", "--no-config"):
        assert option in recipe


def test_npm_pins_are_exact_and_locked():
    package = json.loads((REPO / "package.json").read_text())["devDependencies"]
    lock = json.loads((REPO / "package-lock.json").read_text())["packages"]
    assert set(package) >= {"aws-cdk", "cdk-assets"}
    for name, version in package.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), name
        assert lock[""]["devDependencies"][name] == version
        assert lock[f"node_modules/{name}"]["version"] == version
        assert lock[f"node_modules/{name}"]["integrity"].startswith("sha512-")


def test_the_lock_tool_is_itself_locked():
    (uv,) = read_lock("requirements-lock-tool.txt")
    assert uv.name == "uv" and uv.marker is None
    assert Path(REPO / "Makefile").read_text().count("-r requirements-lock-tool.txt") == 1
