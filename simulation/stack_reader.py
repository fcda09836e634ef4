"""`ops.reader.DeployedStack` over the deploy simulator and the fake Personalize (no account here).

Stack status and resources come from the simulator's events and resources; during a deploy
(read from a hook) the resources created so far come from its in-flight map (`live`):
CloudFormation's DescribeStackResources shows them too. Personalize reads go through an
unmodified boto3 client against the fake.
"""

from typing import Any

from ops.reader import PersonalizeReads, StackInfo, StackNotFoundError, StackResource
from simulation.cloudformation import DeploySimulator


class SimulatedStack:
    def __init__(
        self, sim: DeploySimulator, personalize: Any, *, template: dict[str, Any] | None = None
    ) -> None:
        self.sim = sim
        self.personalize = PersonalizeReads(personalize)
        self._deploying = (
            template  # the template of a deploy in flight (the simulator sets its own at the end)
        )

    def now(self) -> float:
        return float(self.sim.clock.now())

    def stack(self) -> StackInfo:
        stack_events = [e for e in self.sim.events if e.logical_id == self.sim.stack_name]
        if not stack_events or (
            self.sim.status in ("NOT_CREATED", "DELETE_COMPLETE") and self._deploying is None
        ):
            raise StackNotFoundError(
                f"stack {self.sim.stack_name}: Stack with id {self.sim.stack_name} does not exist"
            )
        failures = [
            e for e in self.sim.events if e.status.endswith("_FAILED") and e.logical_id != self.sim.stack_name
        ]
        last = stack_events[-1]
        return StackInfo(
            name=self.sim.stack_name,
            status=last.status,
            reason=last.reason,
            last_failure=f"{failures[-1].logical_id}: {failures[-1].reason}" if failures else "",
        )

    def resources(self) -> dict[str, StackResource]:
        latest: dict[str, str] = {}
        for event in self.sim.events:
            latest[event.logical_id] = event.status
        live = dict(self.sim.resources)
        if self._deploying is not None:
            live.update(self.sim.live)
        out = {
            lid: StackResource(lid, res.type, res.physical_id, latest.get(lid, "CREATE_COMPLETE"))
            for lid, res in live.items()
        }
        for lid, status in latest.items():  # in progress, no physical id yet
            if lid not in out and lid != self.sim.stack_name and status.endswith("_IN_PROGRESS"):
                body = ((self._deploying or self.sim.template or {}).get("Resources") or {}).get(lid, {})
                out[lid] = StackResource(lid, str(body.get("Type", "")), "", status)
        return out

    def template(self) -> dict[str, Any]:
        template = self._deploying if self._deploying is not None else self.sim.template
        if template is None:
            raise StackNotFoundError(f"stack {self.sim.stack_name}: no template")
        return template

    def parameters(self, names: list[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for res in self.sim.resources.values():
            if res.type == "AWS::SSM::Parameter" and isinstance(res.properties, dict):
                name, value = res.properties.get("Name"), res.properties.get("Value")
                if name in names and isinstance(value, str):
                    out[str(name)] = value
        return out
