"""`Contract`: a frozen dataclass whose fields are one custom resource's properties.

Each field is declared with `prop(...)`: the property name (the wire format: deployed
templates carry it), its codec, its default and the docstring the config model shows.
`to_properties()` is what a construct writes; `from_properties()` is what a handler (or
`ops/impact`, over a template) reads back.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, ClassVar, Self, TypeVar

from lambda_handlers.contract.codec import Codec, ContractError, Intrinsic

T = TypeVar("T")
_PROP, _CODEC, _DOC, _OMIT = "prop", "codec", "doc", "omit_default"


def prop(
    name: str, codec: Codec[T], doc: str, default: Any = dataclasses.MISSING, *, omit_default: bool = False
) -> Any:
    """A contract field: property `name`, travelling as `codec`, defaulting to `default` (if any).
    `omit_default`: left out of the template while it holds its default, so a property added later
    changes no template (and sends no Update) of a config that does not use it."""
    metadata = {_PROP: name, _CODEC: codec, _DOC: doc, _OMIT: omit_default}
    if isinstance(default, list | dict):
        value = default
        return dataclasses.field(default_factory=lambda: type(value)(value), metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def _is_intrinsic(value: object) -> bool:
    return (
        isinstance(value, Mapping) and len(value) == 1 and str(next(iter(value))).startswith(("Fn::", "Ref"))
    )


class Contract:
    """Base of every resource contract (a dataclass subclass declares the fields)."""

    RESOURCE_TYPE: ClassVar[str]

    def to_properties(self) -> dict[str, str]:
        """The template's `Properties` (ServiceToken aside), in field order."""
        return {
            f.metadata[_PROP]: f.metadata[_CODEC].encode(getattr(self, f.name))
            for f in dataclasses.fields(self)  # type: ignore[arg-type]
            if not (f.metadata.get(_OMIT) and getattr(self, f.name) == f.default)
        }

    @classmethod
    def from_settings(cls, settings: object, **given: Any) -> Self:
        """`given` values, and every other field copied from the attribute of the same name on
        `settings` (the config model's entry), so a new field needs no mapping; else its default."""
        values = dict(given)
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            if f.name not in values and hasattr(settings, f.name):
                values[f.name] = getattr(settings, f.name)
        return cls(**values)

    @classmethod
    def prop_name(cls, field_name: str) -> str:
        """The property (wire) name of a field."""
        return str(_field(cls, field_name).metadata[_PROP])

    @classmethod
    def from_properties(cls, properties: Mapping[str, object]) -> Self:
        """Decode properties as an event or a template carries them; a missing one takes its default."""
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            name, codec = f.metadata[_PROP], f.metadata[_CODEC]
            if name not in properties:
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                    raise ContractError(f"property {name} is missing")
                continue
            raw = properties[name]
            if _is_intrinsic(raw):
                if not codec.may_be_intrinsic:
                    raise ContractError(f"property {name} cannot be an intrinsic: {raw}")
                values[f.name] = Intrinsic(raw)  # type: ignore[arg-type]
                continue
            try:
                values[f.name] = codec.decode(raw if isinstance(raw, str) else str(raw))
            except ContractError as exc:
                raise ContractError(f"property {name} {exc}") from exc
        return cls(**values)


def setting(doc: str, default: Any) -> Any:
    """A field of a value nested in a property (e.g. campaignConfig): its default and docstring."""
    return dataclasses.field(default=default, metadata={_DOC: doc})


def default_of(owner: type[Any], field_name: str) -> Any:
    """A field's default, for the config model (stated once, on the contract)."""
    found = _field(owner, field_name)
    if found.default_factory is not dataclasses.MISSING:
        return found.default_factory()
    return found.default


def doc_of(owner: type[Any], field_name: str) -> str:
    """A field's docstring, for the config model."""
    return str(_field(owner, field_name).metadata[_DOC])


def _field(owner: type[Any], field_name: str) -> dataclasses.Field[Any]:
    found = {f.name: f for f in dataclasses.fields(owner)}
    return found[field_name]
