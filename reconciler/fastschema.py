"""One JSON Schema validator for the whole project: a fast yes/no, then jsonschema's reasons.

``jsonschema`` is the reference: its errors carry the paths and rule names that every located
message is built from. It is also slow; at 10,000 objects it was most of the time spent loading
a config or reading a saved plan. `jsonschema-rs <https://pypi.org/project/jsonschema-rs/>`_
answers the common question, "is this valid?", about a hundred times faster. So
:meth:`Validator.is_valid` asks jsonschema-rs, and only an object it refuses is walked again by
``jsonschema`` (:meth:`Validator.iter_errors`) to say why. A test holds the two to the same
verdict on every shipped schema, the hostile inputs and generated objects.

Where jsonschema-rs has no wheel for the platform, the import fails and ``jsonschema`` does
both jobs: slower, with the same answers. :data:`FAST` says which; ``reconciler plugins`` shows it.

``format`` is an annotation here, as Draft 2020-12 says by default: no format is asserted by
either library, so that they cannot disagree on what a URI is. Schemas that care use a
``pattern`` (the institute's URLs do).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import jsonschema

try:  # pragma: no cover - which branch runs depends on the platform's wheels
    import jsonschema_rs

    FAST = True
except ImportError:  # pragma: no cover
    FAST = False

__all__ = ["ENGINE", "FAST", "Validator", "check_schema"]

#: What ``reconciler plugins`` says of schema validation on this platform.
ENGINE = (
    "jsonschema-rs (fast path), jsonschema for the reasons"
    if FAST
    else "jsonschema only (jsonschema-rs has no wheel for this platform; slower, same answers)"
)


def check_schema(schema: Mapping[str, Any]) -> None:
    """Raise :class:`jsonschema.SchemaError` unless ``schema`` is a valid Draft 2020-12 schema."""
    jsonschema.Draft202012Validator.check_schema(schema)


class Validator:
    """A compiled Draft 2020-12 schema: ``is_valid`` fast, ``iter_errors`` with reasons."""

    __slots__ = ("_fast", "reference", "schema")

    def __init__(
        self,
        schema: Mapping[str, Any],
        *,
        reference: jsonschema.protocols.Validator | None = None,
        fast_form: Mapping[str, Any] | None = None,
    ) -> None:
        self.schema = schema
        #: The reference validator: the source of every error message and location.
        self.reference = reference or jsonschema.Draft202012Validator(schema)
        self._fast = _compile(dict(fast_form or schema)) if FAST else None

    def is_valid(self, instance: Any) -> bool:
        """Whether ``instance`` fits: jsonschema-rs's verdict, or jsonschema's without it."""
        if self._fast is not None:
            try:
                return bool(self._fast.is_valid(instance))
            except (ValueError, TypeError, OverflowError):
                # A value with no JSON form (a YAML timestamp, a huge integer): let the
                # reference decide, and word the problem.
                pass
        return bool(self.reference.is_valid(instance))

    def iter_errors(self, instance: Any) -> Iterator[jsonschema.ValidationError]:
        """jsonschema's errors for ``instance`` (call after :meth:`is_valid` said no)."""
        return self.reference.iter_errors(instance)

    def evolve(self, schema: Mapping[str, Any]) -> Validator:
        """A validator for a subschema (one field's) whose ``$ref``s still reach the root."""
        defs = self.schema.get("$defs")
        return Validator(
            schema,
            reference=self.reference.evolve(schema=schema),
            fast_form={"$defs": defs, "allOf": [schema]} if defs else None,
        )


def _compile(schema: dict[str, Any]) -> Any:
    """jsonschema-rs's validator for ``schema``, or ``None`` where it cannot take it."""
    try:
        return jsonschema_rs.Draft202012Validator(schema, validate_formats=False)
    except (ValueError, jsonschema_rs.ValidationError):
        # A reference it cannot resolve on its own, say: the reference validator decides.
        return None
