"""What the fake's operation mixins (batch jobs, metric attributions) use of `FakePersonalize`:
its state and helpers, declared once so each mixin's methods type-check against the same core."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from simulation.clock import VirtualClock
    from simulation.personalize_state import JSON, Durations, _Res


class FakeCore(Protocol):
    clock: VirtualClock
    durations: Durations
    _res: dict[str, _Res]

    def now(self) -> float: ...
    def _arn(self, kind: str, name: str) -> str: ...
    def _ensure_new(self, arn: str) -> None: ...
    def _dataset_group(self, arn: str) -> _Res: ...
    def _active_version(self, arn: str) -> _Res: ...
    def _of(self, kind: str, parent: str | None = None) -> list[_Res]: ...
    def _get(self, arn: str, kind: str | None = None) -> _Res: ...
    def _status(self, res: _Res) -> str: ...
    def _view(self, res: _Res) -> JSON: ...
    def _start_delete(self, res: _Res, what: str) -> None: ...
    def _page(self, items: list[Any], params: JSON, key: str) -> JSON: ...
    def _add(  # noqa: PLR0917 - as FakePersonalize._add
        self,
        kind: str,
        arn: str,
        name: str,
        created: float,
        ready_at: float,
        data: JSON,
        *,
        parent: str = "",
        failure: str | None = None,
        tags: list[JSON] | None = None,
    ) -> _Res: ...
