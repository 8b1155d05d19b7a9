"""The records that plugins hand to the core through the registration hooks.

A plugin contributes a resource kind, a provider or a reporter by returning one of these frozen
records from the matching ``reconciler_*`` hook; :class:`reconciler.plugin.hooks.Hooks` collects
them and
refuses two records of the same name, naming both plugins. Callback shapes are ``Protocol``
classes so that mypy checks a plugin's functions against them.
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Protocol

from reconciler.model import (
    Action,
    Change,
    DesiredState,
    DriftReport,
    LiveObject,
    Location,
    Plan,
)
from reconciler.workflowguard import one_line

__all__ = [
    "PART_BREAK",
    "ApplyResult",
    "ApplyStatus",
    "ChangeOutcome",
    "DoctorRequest",
    "DoctorStep",
    "Normalizer",
    "Outcome",
    "Problem",
    "Provider",
    "ProviderContext",
    "ProviderSession",
    "ReadProgress",
    "Refusal",
    "RenderDrift",
    "RenderOptions",
    "RenderPlan",
    "Reporter",
    "ResourceKind",
    "SandboxFactory",
    "Scope",
    "StepStatus",
]

#: Turns a value (desired or live) into the form that is compared: ``"6"`` and ``6`` both
#: become ``6``, a language list becomes a frozenset.
Normalizer = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the input, found before any network call."""

    message: str
    location: Location | None = None
    plugin: str | None = None

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        who = f" [{self.plugin}]" if self.plugin else ""
        # One line each: a message quotes keys, names and values that may hold line breaks.
        return f"{where}{one_line(self.message)}{who}"


@dataclass(frozen=True, slots=True)
class ResourceKind:
    """A kind of object the reconciler manages, as a plugin defines it.

    ``section`` is the top-level YAML key (``institutes``), ``name`` the singular used in
    addresses (``institute.pe``). ``schema`` is the Draft 2020-12 JSON Schema of one object's
    fields as written in YAML, without the identity (which is the mapping key). Fields named in
    ``write_only`` are shown as ``(sensitive)`` everywhere; ``read_only`` fields are refused in
    YAML; ``deprecated`` maps a field to the advice given when YAML uses it.

    Two rules need the live state and are checked when planning, before a plan is shown:
    ``required_on_create`` names the fields that the service needs to create an object (a
    create without one is a located error); ``unique`` maps a field whose value must be unique
    among the live objects to the key it is compared by (``str.casefold`` for names compared
    without case), so that a create or rename to a value a live object outside the plan holds
    is a located error naming that object.

    Between kinds and over an object's life:

    - ``references`` maps a field to the kind it names by identity (``institute`` ->
      ``institute``): the object referred to must be declared or live, and not a tombstone;
      apply creates it first and skips the referring change when it failed.
    - ``create_only`` maps a field that cannot change after create to the advice on how to
      change it by hand; a plan that would change one is refused at its line. A create-only
      field that is also write-only (a first password) is sent on create only, and must be
      written as ``${env:NAME}``.
    - ``can_delete`` is false when the service has no delete: a tombstone is then an error.
    - ``secrets`` names fields of the service's answers that are credentials (``api_token``):
      the provider drops them before anything is held, shown or written.
    - ``declarable`` is false for a kind that is only read, to be referred to by name (a
      single sign-on provider): it has no YAML section and no published schema.
    ``identity_schema`` is the JSON Schema of the identity (the mapping key): its ``pattern``
    and ``maxLength`` are checked at the key's line, and its ``description`` says the rule.


    Every write is verified against what the service answers
    (:mod:`reconciler.engine.verification`):
    ``transformed`` maps a field the service is known to change on the way in (an e-mail kept
    in lower case) to a function giving what it keeps of a value sent; the kept value is
    compared with it, after the field's normaliser, never skipped. ``check_create``, if given,
    returns a message for each reason the service would refuse to create an object with these
    values (a user with no way to sign in); it is run on every create of a plan, at ``plan``,
    and its messages are located at the object.
    """

    name: str
    section: str
    provider: str
    schema: Mapping[str, Any] = field(repr=False)
    identity: str
    read_only: frozenset[str] = frozenset()
    write_only: frozenset[str] = frozenset()
    deprecated: Mapping[str, str] = field(default_factory=dict)
    normalizers: Mapping[str, Normalizer] = field(default_factory=dict, repr=False)
    description: str = ""
    required_on_create: frozenset[str] = frozenset()
    unique: Mapping[str, Normalizer] = field(default_factory=dict, repr=False)
    references: Mapping[str, str] = field(default_factory=dict)
    create_only: Mapping[str, str] = field(default_factory=dict)
    can_delete: bool = True
    secrets: frozenset[str] = frozenset()
    declarable: bool = True
    identity_schema: Mapping[str, Any] = field(default_factory=dict, repr=False)
    transformed: Mapping[str, Normalizer] = field(default_factory=dict, repr=False)
    check_create: Callable[[Mapping[str, Any]], Sequence[str]] | None = field(
        default=None, repr=False
    )

    def normalize(self, name: str, value: Any) -> Any:
        normalizer = self.normalizers.get(name)
        return value if normalizer is None else normalizer(value)

    @property
    def env_only(self) -> frozenset[str]:
        """Fields whose value may only come from ``${env:NAME}``: write-only and create-only."""
        return self.write_only.intersection(self.create_only)

    def without_secrets(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """``values`` less the fields named in :attr:`secrets`: what a provider may keep."""
        return {k: v for k, v in values.items() if k not in self.secrets}


@dataclass(frozen=True, slots=True)
class Scope:
    """What a config declares of one kind, so that a provider reads no more than a plan needs.

    ``identities`` are the objects declared (tombstones included), ``fields`` every field the
    YAML manages on any of them, and ``references`` maps each reference field to the
    identities it names (``institute`` -> ``{"uu", "new-inst"}``). A provider may list less
    than everything with it (the users of the institutes named, and no more); ``None`` in
    its place means everything.
    """

    identities: frozenset[str] = frozenset()
    fields: frozenset[str] = frozenset()
    references: Mapping[str, frozenset[str]] = field(default_factory=dict)


class ReadProgress(Protocol):
    """Told as a provider reads, so that a long read (``export``) shows how far it got.

    A provider calls :meth:`requested` when a request is answered (or given up on), and
    :meth:`listed` as objects of a kind arrive (a page, or one parent's children). Both are
    called from the event loop, and neither may block.
    """

    def requested(self) -> None: ...

    def listed(self, kind: str, count: int) -> None: ...


@dataclass(frozen=True, slots=True)
class ProviderContext:
    """What a provider is given when the core opens a session.

    ``options`` is the provider's table of the project settings (``[providers.<name>]``),
    ``environ`` the process environment (credentials come only from there or a file the user
    names), ``parallelism`` the bound on concurrent requests the user asked for. ``progress``,
    when set, is told about each request and the objects read (:class:`ReadProgress`); a
    provider may ignore it.
    """

    options: Mapping[str, Any]
    environ: Mapping[str, str] = field(repr=False)
    parallelism: int = 4
    base_dir: Path = Path()
    progress: ReadProgress | None = field(default=None, repr=False, compare=False)


class ProviderSession(Protocol):
    """An open connection to one provider; every call may raise a ``ProviderError``."""

    async def list(self, kind: ResourceKind, scope: Scope | None = None) -> Sequence[LiveObject]:
        """Every live object of ``kind`` within ``scope`` (all of them when None), each once."""
        ...

    async def read(self, kind: ResourceKind, identity: str) -> LiveObject | None:
        """One live object by identity, or ``None`` when there is none."""
        ...

    async def create(
        self, kind: ResourceKind, identity: str, values: Mapping[str, Any]
    ) -> LiveObject: ...

    async def update(
        self, kind: ResourceKind, live: LiveObject, values: Mapping[str, Any]
    ) -> LiveObject: ...

    async def delete(self, kind: ResourceKind, live: LiveObject) -> None: ...


class SandboxFactory(Protocol):
    """Starts a provider's local emulator for ``--sandbox``.

    Called with the config directory (the emulator looks for its seed there) and whether to
    start again from the seed. The context yields environment overrides (base URL and
    credentials) that point the provider at the emulator. ``tls`` (``--sandbox --tls``) is
    passed only when true: the emulator serves https and its overrides make the client trust
    it for that run, with verification on. A factory that cannot serve https may omit it.
    """

    def __call__(
        self, config_dir: Path, *, reset: bool, tls: bool = ...
    ) -> contextlib.AbstractContextManager[Mapping[str, str]]: ...


@dataclass(frozen=True, slots=True)
class Provider:
    """Reads and writes the live objects of some kinds.

    ``connect`` opens a session for one command run (an async context manager). ``sandbox``, if
    the provider has a local emulator, starts it for ``--sandbox``. ``options_schema`` is the
    JSON Schema (Draft 2020-12) of the provider's ``[providers.<name>]`` table: ``validate``
    checks the table against it, located, so that a typo or an out-of-range value is an error
    before any connection. ``check_options``, if given, checks what a schema cannot say about
    the table, at ``validate`` too, and returns a message for each problem (an empty list when
    all is well). ``tenant``, if given, names the tenant a context points at (a base URL, never
    a credential; ``None`` when none is set): a saved plan records it, ``apply FILE`` refuses to
    apply the plan to another one, config directories planned together that name the same
    tenant share one listing of it, and are checked not to declare one object twice, and the
    apply journal (:mod:`reconciler.engine.journal`) is kept per tenant (a provider without it keeps
    no journal).
    """

    name: str
    kinds: tuple[str, ...]
    connect: Callable[[ProviderContext], contextlib.AbstractAsyncContextManager[ProviderSession]]
    sandbox: SandboxFactory | None = None
    options_schema: Mapping[str, Any] | None = field(default=None, repr=False)
    check_options: Callable[[Mapping[str, Any]], Sequence[str]] | None = None
    credential_variables: tuple[str, ...] = ()
    tenant: Callable[[ProviderContext], str | None] | None = None


@dataclass(frozen=True, slots=True)
class RenderOptions:
    """How a reporter should render.

    ``color``: only on a terminal without ``NO_COLOR``. ``full_report``: where the complete
    report can be had (a file, or the command that writes it), for a format that may have to
    leave objects out, such as Markdown within a pull-request comment's limit.
    ``max_chars``: split the report into numbered parts of at most this many characters
    (``--max-chars``), joined by :data:`PART_BREAK`, rather than cut it; None: one text.
    """

    color: bool = False
    width: int = 100
    full_report: str = ""
    max_chars: int | None = None


#: Between two parts of a report split by :attr:`RenderOptions.max_chars`: the command line
#: writes each part to a file (or prints them one after another).
PART_BREAK: Final = "\n<!-- reconciler: next part -->\n"


class RenderPlan(Protocol):
    """Renders a plan, with the reasons it was refused (empty when it was not)."""

    def __call__(self, plan: Plan, refusals: Sequence[Refusal], options: RenderOptions) -> str: ...


class RenderDrift(Protocol):
    """Renders a drift report (policies judge plans, not reports: there are no refusals)."""

    def __call__(self, report: DriftReport, options: RenderOptions) -> str: ...


@dataclass(frozen=True, slots=True)
class Reporter:
    """An output format; ``name`` is what ``--format`` takes.

    What it renders is what it sets: ``render_plan`` for ``plan``, ``render_drift`` for
    ``drift``, at least one of them. A format for both sets both.
    """

    name: str
    render_plan: RenderPlan | None = None
    render_drift: RenderDrift | None = None
    description: str = ""

    @property
    def renders(self) -> tuple[str, ...]:
        """What this format renders: ``"plan"``, ``"drift"`` or both."""
        return tuple(
            what
            for what, render in (("plan", self.render_plan), ("drift", self.render_drift))
            if render is not None
        )


@dataclass(frozen=True, slots=True)
class Refusal:
    """A safety guard's or policy's reason not to apply a plan (exit code 3)."""

    message: str
    plugin: str | None = None
    address: str | None = None

    def __str__(self) -> str:
        where = f"{one_line(self.address)}: " if self.address else ""
        who = f" [{self.plugin}]" if self.plugin else ""
        return f"{where}{one_line(self.message)}{who}"


class Outcome(enum.Enum):
    """What became of one change: a failure fails that change alone.

    ``STALE``: not made, because the object moved since the plan (another run got there
    first); planning again shows what is still to do.
    ``UNKNOWN``: the write was sent, its answer was lost, and its effect could not be seen; it
    was not sent again. ``NOT_TAKEN``: the write was answered as a success, but the service
    kept another value for at least one field sent (the outcome's ``not_taken`` says which):
    never counted as applied. ``NOT_ATTEMPTED``: the apply stopped before this change (the service
    refused the credentials, or the process was asked to stop).
    """

    APPLIED = "applied"
    FAILED = "failed"
    STALE = "stale"
    UNKNOWN = "unknown"
    NOT_TAKEN = "not taken"
    NOT_ATTEMPTED = "not attempted"
    #: Not attempted: a change it depends on (its parent's create) failed or was skipped.
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class ChangeOutcome:
    """What happened to one change during an apply.

    ``error`` is a message fit to print after the change's address (it does not repeat it);
    ``note`` says how the outcome was established when it is not the service's answer (the
    object was read back after the answer was lost). ``not_taken`` holds, for a change the
    service did not take, one line per field (``receives_reports not taken: sent true, the
    service kept false``), never with a sensitive value.
    """

    change: Change
    outcome: Outcome
    error: str | None = None
    live: LiveObject | None = None
    note: str | None = None
    not_taken: tuple[str, ...] = ()


class ApplyStatus(enum.Enum):
    """How an apply ended, as ``reconciler_after_apply`` is told."""

    NOTHING_TO_DO = "nothing-to-do"
    REFUSED = "refused"
    APPLIED = "applied"
    PARTLY_FAILED = "partly-failed"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class ApplyResult:
    """What an apply did: one outcome per change, or the refusals that stopped it."""

    outcomes: tuple[ChangeOutcome, ...]
    refusals: tuple[Refusal, ...] = ()

    @property
    def status(self) -> ApplyStatus:
        if self.refusals:
            return ApplyStatus.REFUSED
        if not self.outcomes:
            return ApplyStatus.NOTHING_TO_DO
        if not self.failed:
            return ApplyStatus.APPLIED
        if self.count(Outcome.APPLIED):
            return ApplyStatus.PARTLY_FAILED
        return ApplyStatus.FAILED

    def count(self, outcome: Outcome) -> int:
        return sum(1 for o in self.outcomes if o.outcome is outcome)

    @property
    def failed(self) -> bool:
        """Whether any change failed, or was not attempted, or its outcome is unknown.

        A stale change (another run got there first) is not a failure: planning again settles it.
        """
        unsettled = (
            Outcome.FAILED,
            Outcome.UNKNOWN,
            Outcome.NOT_TAKEN,
            Outcome.NOT_ATTEMPTED,
            Outcome.SKIPPED,
        )
        return any(o.outcome in unsettled for o in self.outcomes)

    def summary(self) -> str:
        """``2 created, 1 updated, 0 deleted; 1 failed, 1 unknown``: what holds now.

        A change the service did not take is counted apart (``1 not taken``), never as made.
        """
        applied = [o.change.action for o in self.outcomes if o.outcome is Outcome.APPLIED]
        created, updated, deleted = (applied.count(action) for action in Action)
        made = f"{created} created, {updated} updated, {deleted} deleted"
        labels = {
            Outcome.FAILED: "failed",
            Outcome.UNKNOWN: "unknown",
            Outcome.NOT_TAKEN: "not taken",
            Outcome.NOT_ATTEMPTED: "not attempted",
            Outcome.STALE: "not made",
            Outcome.SKIPPED: "skipped",
        }
        rest = [f"{self.count(o)} {label}" for o, label in labels.items() if self.count(o)]
        return f"{made}; {', '.join(rest)}" if rest else made

    def counts(self) -> dict[str, int]:
        """Every count, for a machine: ``created``, ``updated``, ``deleted`` (made) and one per
        other outcome (``failed``, ``unknown``, ``not_taken``, ``not_attempted``, ``stale``,
        ``skipped``), zeros included."""
        applied = [o.change.action for o in self.outcomes if o.outcome is Outcome.APPLIED]
        out = {_MADE[action]: applied.count(action) for action in Action}
        for outcome in Outcome:
            if outcome is not Outcome.APPLIED:
                out[outcome.value.replace(" ", "_")] = self.count(outcome)
        return out


_MADE = {Action.CREATE: "created", Action.UPDATE: "updated", Action.DELETE: "deleted"}


class StepStatus(enum.Enum):
    """How one ``reconciler doctor`` step went; the worst status decides the exit code."""

    PASSED = "passed"
    FAILED = "failed"  # exit 1: something to fix, the step says what
    INCONCLUSIVE = "inconclusive"  # exit 2: the service's answers cannot tell


@dataclass(frozen=True, slots=True)
class DoctorStep:
    """One check of a live service by ``reconciler doctor``.

    ``name`` says what was checked (``credentials``), ``detail`` what was seen, and ``fix``,
    for a step that did not pass, which setting to change or what to do next. Neither may hold
    a credential or a write-only value. ``provider`` is filled in by the core.
    """

    name: str
    status: StepStatus
    detail: str
    fix: str = ""
    provider: str = ""


@dataclass(frozen=True, slots=True)
class DoctorRequest:
    """What ``reconciler doctor`` asks one provider to probe.

    ``context`` is what the provider would be connected with; ``kinds`` the kinds it serves;
    ``desired``, with a config PATH, the objects whose managed fields can be read back;
    ``write_probe``, when the user opted in (and confirmed), the identity of the one object
    that may receive a no-op update. Nothing else may be written.
    """

    provider: str
    context: ProviderContext
    kinds: Mapping[str, ResourceKind]
    desired: DesiredState | None = None
    write_probe: str | None = None
