"""One exception tree for everything a user may be shown.

::

    ReconcilerError                 exit 1 unless said otherwise; printed without a traceback
    ├── ConfigError                 bad input, found before any network call; holds every Problem
    ├── PluginError                 a plugin failed to load or two plugins claim the same name
    ├── SettingsError               the project settings or the environment are incomplete
    ├── ProviderError               a provider could not read or write (raised by plugins)
    │   ├── AuthenticationError     401/403: wrong token or secret, or missing rights
    │   ├── NotFoundError           404: the object is gone
    │   ├── RejectedError           422: the service refused the values; holds its field messages
    │   ├── ServiceError            5xx or 429 that outlasted the retries
    │   ├── TransportError          connection failures and timeouts that outlasted the retries
    │   └── OutcomeUnknownError     a write's answer was lost and its effect could not be seen
    ├── StaleObjectError            exit 3: the live object changed since the plan was made
    │   └── StalePlan               exit 3: objects moved before the first write; nothing written
    ├── PlanRefused                 exit 3: a safety guard or policy refused the plan
    ├── ApplyFailed                 exit 4: some changes failed, or their outcome is unknown
    └── HookFailedAfterWrites       exit 4: a plugin's after-hook failed once changes were made

Every message says where (``file:line:col``, or the object's address), who (which plugin) and
what to do next. The CLI prints these without a traceback; anything else is a bug and crashes
loudly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reconciler.records import ApplyResult, Problem, Refusal

__all__ = [
    "ApplyFailed",
    "AuthenticationError",
    "ConfigError",
    "HookFailedAfterWrites",
    "NotFoundError",
    "OutcomeUnknownError",
    "PlanRefused",
    "PluginError",
    "ProviderError",
    "ReconcilerError",
    "RejectedError",
    "ServiceError",
    "SettingsError",
    "StaleObjectError",
    "StalePlan",
    "TransportError",
]


class ReconcilerError(Exception):
    """Base of every error the CLI prints as a message rather than a traceback."""

    exit_code = 1


class ConfigError(ReconcilerError):
    """The desired state is not valid; ``problems`` holds every problem found, in file order."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the configuration"
        super().__init__("\n".join([head + ":", *(f"  {p}" for p in self.problems)]))


class PluginError(ReconcilerError):
    """A plugin could not be loaded, or two plugins claim the same name."""


class SettingsError(ReconcilerError):
    """The project settings file or the environment lack something a command needs."""


class ProviderError(ReconcilerError):
    """A provider plugin failed to read or write live state.

    ``address`` names the object concerned (``institute.pe``) when there is one.
    """

    def __init__(self, message: str, *, address: str | None = None) -> None:
        self.address = address
        #: The message without the address, for lines that name the object already.
        self.detail = message
        super().__init__(f"{address}: {message}" if address else message)


class AuthenticationError(ProviderError):
    """The service refused the credentials or the rights they carry (401/403)."""


class NotFoundError(ProviderError):
    """The object does not exist (any more) on the service (404)."""


class RejectedError(ProviderError):
    """The service refused the values (422); ``fields`` maps a field to the service's messages."""

    def __init__(
        self,
        message: str,
        *,
        address: str | None = None,
        fields: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.fields = dict(fields or {})
        super().__init__(message, address=address)


class ServiceError(ProviderError):
    """The service kept failing (5xx, 429) after every retry."""


class TransportError(ProviderError):
    """The service could not be reached, or the connection broke, after every retry."""


class OutcomeUnknownError(ProviderError):
    """A write may or may not have been made: its answer was lost, and it was not sent again
    (a create sent twice could make two objects). A later plan decides."""


class StaleObjectError(ReconcilerError):
    """The live object changed between plan and apply; plan again (exit 3)."""

    exit_code = 3


class StalePlan(StaleObjectError):
    """Objects the plan touches moved since it was made; nothing was written.

    ``moved`` holds one entry per object, each printable as what moved (see
    :class:`reconciler.engine.freshness.Moved`); when each says that the plan was applied
    already, so does the message.
    """

    exit_code = 3

    def __init__(self, moved: Iterable[object]) -> None:
        self.moved = tuple(moved)
        lines = [f"  {line}" for item in self.moved for line in str(item).splitlines()]
        if self.moved and all(getattr(item, "applied", False) for item in self.moved):
            # The plan is live as it makes it (see Moved.applied): no other change is to blame.
            super().__init__(
                "\n".join(
                    [
                        f"This plan was applied already: its {len(self.moved)} object(s) are"
                        " live as it makes them, so nothing was written:",
                        *lines,
                        "Plan again to see whether anything is still to do.",
                    ]
                )
            )
            return
        super().__init__(
            "\n".join(
                [
                    f"{len(self.moved)} object(s) changed since the plan was made, so nothing"
                    " was written; another change got there first:",
                    *lines,
                    "Plan again, review the new plan, and apply that.",
                ]
            )
        )


class PlanRefused(ReconcilerError):
    """A safety guard or policy refused the plan; nothing was written."""

    exit_code = 3

    def __init__(self, refusals: Iterable[Refusal]) -> None:
        self.refusals: tuple[Refusal, ...] = tuple(refusals)
        lines = [f"  {r}" for r in self.refusals]
        super().__init__("\n".join(["The plan was refused; nothing was changed:", *lines]))


class ApplyFailed(ReconcilerError):
    """Some changes failed; ``result`` says which were applied and which were not."""

    exit_code = 4

    def __init__(self, result: ApplyResult) -> None:
        self.result = result
        from reconciler.records import Outcome

        unknown = result.count(Outcome.UNKNOWN)
        not_taken = result.count(Outcome.NOT_TAKEN)
        advice = (
            " Run plan again to see what is still needed; before applying again, wait as said"
            " above, so that a write the service commits late is not made twice."
            if unknown
            else " Fix the errors above and run apply again: applied changes will not be repeated."
        )
        if not_taken:
            advice += (
                f" The service answered {not_taken} change(s) with success but kept other"
                " values (the lines above name each field): applying again will not help until"
                " the field is written another way, or left out of the YAML."
            )
        super().__init__(f"Apply partly failed: {result.summary()}.{advice}")


class HookFailedAfterWrites(ReconcilerError):
    """A plugin's ``reconciler_after_change`` or ``reconciler_after_apply`` failed once changes
    had been made: not exit 1 ("nothing was written") but 4, saying what was made.

    ``error`` is the failure, naming the plugin and the hook; ``result`` what the apply did.
    """

    exit_code = 4

    def __init__(self, error: ReconcilerError, result: ApplyResult) -> None:
        self.error = error
        self.result = result
        from reconciler.records import Outcome

        made = result.count(Outcome.APPLIED)
        unknown = result.count(Outcome.UNKNOWN)
        maybe = f", and {unknown} more may have been" if unknown else ""
        super().__init__(
            f"{error} {made} change(s) were made before it failed{maybe} ({result.summary()}):"
            " run plan again to see what is still to do."
        )
        self.__cause__ = error.__cause__
