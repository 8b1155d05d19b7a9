"""ProctorExam's answer to ``reconciler doctor``: probe a live tenant, read-only.

The steps, in order (each a :class:`~reconciler.records.DoctorStep`):

1. **base URL**: https, answers at all, and ends in ``/api/v3``;
2. **credentials**: a signed ``GET /institutes?page=1&limit=1``, a 401 or 403 explained: an
   unknown token, a wrong secret (or signing reading), the clock, or a missing role;
3. **clock**: the skew against the service's ``Date`` header;
4. **pagination**: the ``X-Pagination-*`` headers present and consistent; the count;
5. **typed values**: the same GET with a boolean, a null and a list in a JSON body, signed
   under the configured ``list_rendering`` and under the other one;
6. **managed fields** (with a config PATH): the shapes of the fields the config manages, read
   back from one live institute; and **user fields**, when the config manages users: which of
   the managed user fields the list and a user's own page carry, read back from one user;
7. **write probe** (only with ``--write-probe NAME``): one no-op update of that institute.

A step that cannot run because an earlier one failed is reported as inconclusive, "not
checked". Nothing here writes, except step 7, which the user asked for by name.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from reconciler import DoctorRequest, DoctorStep, SettingsError, StepStatus
from reconciler_proctorexam.config import ClientSettings, resolve_settings
from reconciler_proctorexam.doctor.probe import UNKNOWN_TOKEN, Answer, Prober
from reconciler_proctorexam.doctor.shapes import managed_fields_step
from reconciler_proctorexam.doctor.steps import (
    PROBE_VALUES,
    base_url_step,
    clock_step,
    credentials_step,
    not_checked,
    pagination_step,
    typed_values_step,
)
from reconciler_proctorexam.doctor.users import STEP as USER_STEP
from reconciler_proctorexam.doctor.users import user_fields_step
from reconciler_proctorexam.doctor.write import write_probe_step
from reconciler_proctorexam.institute import KIND
from reconciler_proctorexam.signing import LIST_RENDERINGS
from reconciler_proctorexam.user import KIND as USER_KIND

__all__ = ["probe"]


def probe(request: DoctorRequest) -> list[DoctorStep]:
    """Run the steps for ``request`` (a ``proctorexam`` provider); never raises for a refusal."""
    try:
        settings = resolve_settings(request.context)
    except SettingsError as exc:
        return [
            DoctorStep(
                "settings",
                StepStatus.FAILED,
                str(exc),
                fix="set what the message names, then run reconciler doctor again.",
            )
        ]
    return asyncio.run(_probe(settings, request))


async def _probe(settings: ClientSettings, request: DoctorRequest) -> list[DoctorStep]:
    steps: list[DoctorStep] = []

    def skip_the_rest(why: str) -> list[DoctorStep]:
        """The steps after a failed one, reported as not checked."""
        done = {step.name for step in steps}
        return steps + [not_checked(name, why) for name in _steps_for(request) if name not in done]

    async with Prober(settings) as prober:
        first = await prober.list_page()
        steps.append(base_url_step(settings, first))
        if steps[-1].status is not StepStatus.PASSED or not isinstance(first, Answer):
            return skip_the_rest("the base URL step failed")
        unknown = await prober.list_page(token=UNKNOWN_TOKEN) if first.status == 401 else None
        steps += [credentials_step(first, unknown), clock_step(first)]
        if not first.ok:
            return skip_the_rest("the credentials step failed")
        steps.append(pagination_step(first))
        reading = settings.list_rendering
        other = next(r for r in LIST_RENDERINGS if r != reading)
        current = await prober.list_page(body=PROBE_VALUES)
        alternative = await prober.list_page(body=PROBE_VALUES, lists=other)
        steps.append(typed_values_step(current, alternative, reading, other))
        if request.desired is not None and KIND in request.kinds:
            live = _first_item(first)
            steps.append(managed_fields_step(request.desired, request.kinds[KIND], live))
        if request.desired is not None and request.desired.of_kind(USER_KIND):
            steps.append(await user_fields_step(prober, request.desired))
        if request.write_probe:
            steps.append(await write_probe_step(settings, prober, request.write_probe))
    return steps


def _steps_for(request: DoctorRequest) -> list[str]:
    """The names of the steps this request runs, in order."""
    names = ["base URL", "credentials", "clock", "pagination", "typed values"]
    if request.desired is not None:
        names.append("managed fields")
        if request.desired.of_kind(USER_KIND):
            names.append(USER_STEP)
    if request.write_probe:
        names.append("write probe")
    return names


def _first_item(answer: Answer) -> Mapping[str, Any] | None:
    items = answer.body.get("institutes") if isinstance(answer.body, dict) else None
    if isinstance(items, list) and items and isinstance(items[0], dict):
        return items[0]
    return None
