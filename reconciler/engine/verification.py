"""Write verification: a write the service answered as a success is checked against what it kept.

Terraform calls the failure this catches "Provider produced inconsistent result after apply".
A service built on Rails' strong parameters drops a field it does not permit without a word,
and answers ``200`` with the value it kept; an apply that trusted the status would say
"updated" while nothing changed, and every later plan would show the change again.

After each create and update, every field sent is compared with the service's answer, through
the kind's normaliser (``"6"`` equals ``6``), after what the provider declares the service does
to it (:attr:`ResourceKind.transformed <reconciler.records.ResourceKind.transformed>`). A field
the answer does not carry is read back, once per change and only then, so an apply whose
answers carry every field costs no extra request. Write-only fields (a password, an API key)
cannot be read back and are not compared.

A field the service did not keep makes the change *not taken*
(:attr:`Outcome.NOT_TAKEN <reconciler.records.Outcome.NOT_TAKEN>`), reported one line per
field, e.g. ``receives_reports not taken: sent true, the service kept false``. A sensitive
value (read through ``${env:...}``) is never shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.documents.plan import shown_value
from reconciler.engine.planning import equal_values
from reconciler.errors import ProviderError
from reconciler.model import SENSITIVE, Change, FieldChange, LiveObject
from reconciler.records import ProviderSession, ResourceKind

__all__ = ["NOT_RETURNED", "Verdict", "not_taken_lines", "verify_write"]

#: What a report says of a value the service did not return at all (never ``null``).
NOT_RETURNED = "nothing (the field is not returned)"


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a verified write left: the object as last seen, and the fields it did not keep."""

    live: LiveObject
    not_taken: tuple[str, ...] = ()


async def verify_write(
    change: Change, answer: LiveObject, session: ProviderSession, kind: ResourceKind
) -> Verdict:
    """Compare ``change``'s fields with ``answer``; read the object back only for the fields
    the answer lacks. Raises :class:`ProviderError` when that read fails or finds nothing."""
    checked = [f for f in change.fields if f.name not in kind.write_only]
    current = answer
    if any(f.name not in answer.fields for f in checked):
        read = await session.read(kind, change.identity)
        if read is None:
            raise ProviderError(
                "written, but reading it back to verify the write found no such object;"
                " run plan again to see what holds.",
                address=change.address,
            )
        # The answer's values stand; the read fills in what the answer did not carry.
        current = LiveObject(
            answer.kind,
            answer.identity,
            answer.ref or read.ref,
            {**read.fields, **answer.fields},
            answer.fingerprint or read.fingerprint,
            read.source or answer.source,
        )
    lines = not_taken_lines(checked, current, kind)
    return Verdict(current, lines)


def not_taken_lines(
    fields: list[FieldChange], live: LiveObject, kind: ResourceKind
) -> tuple[str, ...]:
    """One line per field of ``fields`` that ``live`` does not hold."""
    lines: list[str] = []
    for field in fields:
        sent = field.after
        transform = kind.transformed.get(field.name)
        expected = sent
        if transform is not None:
            try:
                expected = transform(sent)
            except (TypeError, ValueError):
                expected = sent
        if field.name in live.fields:
            kept = live.fields[field.name]
            if equal_values(kind, field.name, expected, kept):
                continue
            shown_kept = SENSITIVE if field.sensitive else shown_value(kept)
        else:
            shown_kept = NOT_RETURNED
            if live.source:
                shown_kept += f" by {live.source}"
        shown_sent = SENSITIVE if field.sensitive else shown_value(sent)
        lines.append(f"{field.name} not taken: sent {shown_sent}, the service kept {shown_kept}")
    return tuple(lines)
