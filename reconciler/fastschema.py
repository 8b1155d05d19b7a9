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

import re
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

try:  # pragma: no cover - which branch runs depends on the platform's wheels
    import jsonschema_rs

    FAST = True
except ImportError:  # pragma: no cover
    FAST = False

if TYPE_CHECKING:
    import jsonschema
    import jsonschema.protocols

__all__ = ["ENGINE", "FAST", "Validator", "schema_error"]

#: What ``reconciler plugins`` says of schema validation on this platform.
ENGINE = (
    "jsonschema-rs (fast path), jsonschema for the reasons"
    if FAST
    else "jsonschema only (jsonschema-rs has no wheel for this platform; slower, same answers)"
)

_DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"


def schema_error(schema: Mapping[str, Any]) -> str | None:
    """Why ``schema`` is not a valid Draft 2020-12 schema, in jsonschema's words; or ``None``.

    jsonschema-rs checks it against the Draft 2020-12 meta-schema first, and Python's ``re``
    compiles its patterns (jsonschema asserts the meta-schema's ``regex`` format, jsonschema-rs
    does not). ``jsonschema`` is imported only for a schema refused there, to word the error
    exactly as before.
    """
    if FAST:
        try:
            if jsonschema_rs.meta.is_valid({**schema, "$schema": _DRAFT_2020_12}):
                for pattern in _patterns(schema):
                    re.compile(pattern)
                return None
        except (re.error, ValueError, TypeError, OverflowError, jsonschema_rs.ReferencingError):
            pass
    import jsonschema

    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        return str(exc.message)
    return None


class Validator:
    """A compiled Draft 2020-12 schema: ``is_valid`` fast, ``iter_errors`` with reasons.

    The reference validator (``jsonschema``) is built on first use: a run whose objects are
    all valid never imports it.
    """

    __slots__ = ("_fast", "_make_reference", "_reference", "schema")

    def __init__(
        self,
        schema: Mapping[str, Any],
        *,
        reference: Callable[[], jsonschema.protocols.Validator] | None = None,
        fast_form: Mapping[str, Any] | None = None,
    ) -> None:
        self.schema = schema
        self._reference: jsonschema.protocols.Validator | None = None
        self._make_reference = reference or self._draft_2020_12
        self._fast = _compile(dict(fast_form or schema)) if FAST else None

    def _draft_2020_12(self) -> jsonschema.protocols.Validator:
        import jsonschema

        return jsonschema.Draft202012Validator(self.schema)

    @property
    def reference(self) -> jsonschema.protocols.Validator:
        """The reference validator: the source of every error message and location."""
        if self._reference is None:
            self._reference = self._make_reference()
        return self._reference

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
            reference=lambda: self.reference.evolve(schema=schema),
            fast_form={"$defs": defs, "allOf": [schema]} if defs else None,
        )


def _patterns(value: Any) -> Iterator[str]:
    """Every ``pattern`` and ``patternProperties`` key in a schema (and perhaps a few more)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "pattern" and isinstance(item, str):
                yield item
            elif key == "patternProperties" and isinstance(item, dict):
                yield from (k for k in item if isinstance(k, str))
            yield from _patterns(item)
    elif isinstance(value, list):
        for item in value:
            yield from _patterns(item)


def _compile(schema: dict[str, Any]) -> Any:
    """jsonschema-rs's validator for ``schema``, or ``None`` where it cannot take it."""
    try:
        return jsonschema_rs.Draft202012Validator(schema, validate_formats=False)
    except (ValueError, jsonschema_rs.ValidationError):
        # A reference it cannot resolve on its own, say: the reference validator decides.
        return None
