"""``doctor --write-probe NAME``: one no-op update, to check the update route for real.

The only write ``reconciler doctor`` ever makes, and only when the user names the institute
(the command asks first on a terminal). It sets a few fields of that institute to the values
they have now: ``name`` (a string), one boolean and ``custom_languages`` (a list) when the
institute has them, so that an accepted write confirms the update verb and the signing of
typed values together. Nothing changes but ``updated_at``. When the configured verb is refused
with 404 or 405 the other verb is tried, with the same no-op, so that the step can say which
one to set.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler import DoctorStep, ProviderError, StepStatus
from reconciler_proctorexam.client import ProctorExamClient
from reconciler_proctorexam.config import ClientSettings
from reconciler_proctorexam.doctor.probe import Answer, Prober, Unreachable
from reconciler_proctorexam.institute import WRITABLE_FIELDS, WRITE_ONLY

__all__ = ["no_op_values", "write_probe_step"]

_NAME = "write probe"
_TABLE = "[providers.proctorexam]"


def no_op_values(institute: Mapping[str, Any]) -> dict[str, Any]:
    """``name``, the first boolean field and ``custom_languages``, at their live values."""
    values: dict[str, Any] = {"name": institute.get("name")}
    for field, schema in sorted(WRITABLE_FIELDS.items()):
        if schema.get("type") == "boolean" and isinstance(institute.get(field), bool):
            values[field] = institute[field]
            break
    if isinstance(institute.get("custom_languages"), list):
        values["custom_languages"] = institute["custom_languages"]
    return {k: v for k, v in values.items() if k not in WRITE_ONLY}


async def write_probe_step(settings: ClientSettings, prober: Prober, short_name: str) -> DoctorStep:
    """Send the no-op update to the institute ``short_name``; say what it confirms."""
    async with ProctorExamClient(settings) as client:
        try:
            institute = await client.find_institute(short_name)
        except ProviderError as exc:
            return DoctorStep(
                _NAME, StepStatus.INCONCLUSIVE, f"could not look the institute up: {exc}"
            )
    if institute is None:
        return DoctorStep(
            _NAME,
            StepStatus.FAILED,
            f"there is no institute with the short_name {short_name!r}; nothing was sent.",
            fix="name an existing institute's short_name after --write-probe.",
        )
    values = no_op_values(institute)
    ref = str(institute.get("id"))
    sent = f"/institutes/{ref} ({short_name}) with {', '.join(values)} set to their live values"
    method = settings.update_method
    answer = await prober.update(method, ref, values)
    if isinstance(answer, Unreachable):
        return DoctorStep(_NAME, StepStatus.INCONCLUSIVE, f"{method} {sent}: {answer.reason}.")
    if answer.ok:
        return DoctorStep(
            _NAME,
            StepStatus.PASSED,
            f'{method} {sent} was accepted: the update verb (update_method = "{method}")'
            " and the signing of a string, a boolean and a list on a write are confirmed.",
        )
    refused = f"{method} {sent} was refused ({answer.status}{_said(answer)})"
    if answer.status not in (404, 405):
        return DoctorStep(
            _NAME,
            StepStatus.FAILED,
            f"{refused}.",
            fix=_fix_for(answer.status),
        )
    other = "PUT" if method == "PATCH" else "PATCH"
    second = await prober.update(other, ref, values)
    if isinstance(second, Answer) and second.ok:
        return DoctorStep(
            _NAME,
            StepStatus.FAILED,
            f"{refused}, and {other} with the same values was accepted: the service updates"
            f" institutes with {other}.",
            fix=f'set update_method = "{other}" under {_TABLE}.',
        )
    why = second.reason if isinstance(second, Unreachable) else f"{second.status}{_said(second)}"
    return DoctorStep(
        _NAME,
        StepStatus.FAILED,
        f"{refused}, and {other} as well ({why}).",
        fix="report it with this output: neither verb updates an institute.",
    )


def _said(answer: Answer) -> str:
    return f": {answer.text}" if answer.text else ""


def _fix_for(status: int) -> str:
    if status == 401:
        return (
            "the read-only steps pass, so the write's typed values are signed differently:"
            " see the typed values step, and report it with this output."
        )
    if status == 403:
        return "this user may not update the institute: use a superuser's credentials."
    if status == 422:
        return "report it with this output: the service refused its own values."
    return "report it with this output."
