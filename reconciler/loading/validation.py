"""Checking desired objects against their kind's JSON Schema, with errors people can act on.

Each kind's schema (Draft 2020-12) comes from the plugin that owns the kind. The validator is
built once per kind; ``is_valid`` is the fast path, and only an invalid object is walked again
with ``iter_errors`` to say what is wrong. jsonschema's own messages quote the instance
(``'yes' is not of type 'boolean'``), which would leak a secret read from the environment, so
every message is rewritten here: the field's dotted name, what was expected, and what was
given, unless the field is sensitive.

Field names get their own checks before the schema runs, because a schema can only say "not
allowed": an unknown field gets a "did you mean", a read-only one says that the service sets
it, a deprecated one gives the kind's advice.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, Protocol

from reconciler.errors import PluginError
from reconciler.fastschema import Validator, schema_error
from reconciler.model import SENSITIVE, Location
from reconciler.records import Problem, ResourceKind

if TYPE_CHECKING:
    # Imported where used: a run whose objects are all valid never loads jsonschema.
    from jsonschema.exceptions import ValidationError

__all__ = [
    "KindSchema",
    "Locator",
    "describe_value",
    "did_you_mean",
    "is_closed",
    "schema_message",
]


class Locator(Protocol):
    """Names and places a value inside one object, for messages.

    Called with a path of field names and list indices (empty for the object itself);
    returns the dotted name shown to people (``institutes.pe.custom_languages[1]``) and the
    location of the value, or of its key when ``key`` is true.
    """

    def __call__(self, path: Sequence[str | int], *, key: bool = False) -> tuple[str, Location]: ...


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest candidate, or nothing when none is close."""
    close = difflib.get_close_matches(name, sorted(candidates), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def is_closed(schema: Mapping[str, Any]) -> bool:
    """Whether a schema refuses fields it does not list (a kind's usual, closed form)."""
    return schema.get("additionalProperties") is False or (
        schema.get("unevaluatedProperties") is False
    )


class KindSchema:
    """One kind's compiled schema and the field-name rules around it."""

    def __init__(self, kind: ResourceKind) -> None:
        self.kind = kind
        schema = kind.schema
        problem = schema_error(schema)
        if problem is not None:
            raise PluginError(
                f"the JSON Schema of kind {kind.name!r} (provider {kind.provider!r}) is not a"
                f" valid Draft 2020-12 schema: {problem}; fix the plugin or disable it."
            )
        self.validator = Validator(schema)
        properties = schema.get("properties")
        #: The fields YAML may set: the schema's properties (a defaults field applies to a
        #: kind only if it is one of them).
        self.properties: frozenset[str] = frozenset(properties or ())
        #: Whether a field outside ``properties`` is an error (the usual, closed schema).
        self.closed: bool = is_closed(schema)
        self._field_validators: dict[str, Validator] = {}
        #: Names that need no second look: the common case, checked with one set lookup.
        self._plain_names = (
            self.properties - kind.read_only - set(kind.deprecated) - {kind.identity}
        )

    def name_problem(self, name: str) -> str | None:
        """Why YAML may not set the field ``name`` of this kind, or ``None`` if it may."""
        kind = self.kind
        # A deprecated field is often read-only too: its advice says more.
        if name in kind.deprecated:
            return f"is deprecated: {kind.deprecated[name]}"
        if name in kind.read_only:
            return "is set by the service; remove it"
        if name == kind.identity and name not in self.properties:
            return f"is the key of the object ({kind.section}.<{name}>); remove it"
        if self.closed and name not in self.properties:
            return f"is not a field of {kind.name}" + did_you_mean(name, self.properties)
        return None

    def check(
        self,
        fields: Mapping[str, Any],
        locate: Locator,
        sensitive: Collection[str] = (),
        unknown: Collection[str] = (),
    ) -> list[Problem]:
        """Every problem with one object's ``fields``, located; empty when it is valid.

        A field refused by name is left out of the schema check, so that it is reported once.
        Values of fields in ``sensitive`` never appear in a message. Fields in ``unknown`` are
        set, to a value not known in this run (an unset ``${env:…}``): left out of ``fields``,
        they do not count as missing.
        """
        problems: list[Problem] = []
        plain = self._plain_names
        refused = (
            {}
            if plain.issuperset(fields)  # the usual object: every name plain, one C-level test
            else {
                name: problem
                for name in fields
                if name not in plain and (problem := self.name_problem(name)) is not None
            }
        )
        if refused:
            for name, problem in refused.items():
                shown, location = locate((name,), key=True)
                problems.append(Problem(f"{shown} {problem}", location))
            fields = {k: v for k, v in fields.items() if k not in refused}
        if self.validator.is_valid(fields):
            return problems
        for error in self.validator.iter_errors(fields):
            if unknown and not error.absolute_path and _missing(error) <= set(unknown):
                continue
            path = tuple(error.absolute_path)
            secret = bool(path) and path[0] in sensitive
            shown, location = locate(path)
            problems.append(Problem(f"{shown}: {schema_message(error, secret)}", location))
        return problems

    def check_field(
        self, name: str, value: Any, locate: Locator, *, sensitive: bool = False
    ) -> list[Problem]:
        """Problems with one field's value on its own (a ``defaults:`` entry, say).

        Messages and locations are those :meth:`check` gives for the same value, so that the
        two can be merged without repeats.
        """
        subschema = self.kind.schema.get("properties", {}).get(name)
        if subschema is None:
            return []
        validator = self._field_validators.get(name)
        if validator is None:
            validator = self._field_validators[name] = self.validator.evolve(subschema)
        if validator.is_valid(value):
            return []
        problems = []
        for error in validator.iter_errors(value):
            shown, location = locate((name, *error.absolute_path))
            problems.append(Problem(f"{shown}: {schema_message(error, sensitive)}", location))
        return problems


def _missing(error: Any) -> set[str]:
    """The fields a ``required`` error says are missing; none for another error."""
    if error.validator != "required" or not isinstance(error.instance, Mapping):
        return set()
    return {name for name in error.validator_value if name not in error.instance} or {""}


# Messages -----------------------------------------------------------------------------------

_TYPE_NAMES: Final = {
    "boolean": "a boolean",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "array": "a list",
    "object": "a mapping",
    "null": "null",
}


def describe_value(value: Any, sensitive: bool = False) -> str:
    """A value as a message shows it: YAML spellings, short, and never a secret."""
    if sensitive:
        return SENSITIVE
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:56] + "...'"


def _expected_types(types: Any) -> str:
    names = [types] if isinstance(types, str) else list(types)
    return " or ".join(_TYPE_NAMES.get(n, n) for n in names)


def _plural(count: Any, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def schema_message(error: ValidationError, secret: bool) -> str:
    """jsonschema's error, rewritten as "expected …, got …" without leaking a secret."""
    rule = error.validator
    wanted: Any = error.validator_value
    value: Any = error.instance
    got = describe_value(value, secret)
    if rule == "type":
        return f"expected {_expected_types(wanted)}, got {got}"
    if rule == "enum":
        return f"expected one of {', '.join(describe_value(v) for v in wanted)}, got {got}"
    if rule == "const":
        return f"expected {describe_value(wanted)}, got {got}"
    if rule == "pattern":
        return f"expected text matching {wanted}, got {got}"
    if rule == "format":
        return f"expected a valid {wanted}, got {got}"
    if rule in ("minLength", "maxLength"):
        bound = "at least" if rule == "minLength" else "at most"
        return f"expected {bound} {_plural(wanted, 'character')}, got {got}"
    if rule in ("minItems", "maxItems"):
        bound = "at least" if rule == "minItems" else "at most"
        return f"expected {bound} {_plural(wanted, 'item')}, got {len(value)}"
    bounds = {
        "minimum": "at least",
        "maximum": "at most",
        "exclusiveMinimum": "more than",
        "exclusiveMaximum": "less than",
        "multipleOf": "a multiple of",
    }
    if rule in bounds:
        return f"expected {bounds[rule]} {wanted}, got {got}"
    if rule == "uniqueItems":
        return _repeated(value, secret)
    if rule == "required":
        missing = [name for name in wanted if name not in value]
        names = ", ".join(repr(name) for name in missing)
        return f"missing required field{'s' if len(missing) != 1 else ''} {names}; add it"
    if rule in ("additionalProperties", "unevaluatedProperties"):
        known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        extra = [name for name in value if name not in known]
        hint = did_you_mean(extra[0], known) if len(extra) == 1 else ""
        return f"unknown field{'s' if len(extra) != 1 else ''} {', '.join(map(repr, extra))}{hint}"
    if rule in ("anyOf", "oneOf") and error.context:
        # An alternative whose type fits the value says the most ("does not match the
        # pattern"); when none fits, name the types that would.
        fitting = [e for e in error.context if e.validator != "type"]
        if fitting:
            from jsonschema.exceptions import best_match

            best = best_match(fitting)
            if best is not None:
                return schema_message(best, secret)
        alternatives = wanted if isinstance(wanted, list) else []
        if alternatives and all(isinstance(a, dict) and "type" in a for a in alternatives):
            types = [t for a in alternatives for t in _as_list(a["type"])]
            return f"expected {_expected_types(types)}, got {got}"
    if secret:
        return f"the value ({SENSITIVE}) breaks the schema's {rule!r} rule"
    return str(error.message)


def _as_list(value: Any) -> list[Any]:
    return [value] if isinstance(value, str) else list(value)


def _repeated(items: Sequence[Any], secret: bool) -> str:
    seen: list[Any] = []
    for item in items:
        if item in seen:
            return f"{describe_value(item, secret)} appears more than once; list it once"
        seen.append(item)
    return "expected no repeated items"  # pragma: no cover - jsonschema found a repeat
