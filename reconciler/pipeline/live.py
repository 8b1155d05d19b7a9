"""Where ``plan`` and ``drift`` read the live objects: a snapshot (``--live``) or the service.

Both commands take the same options (``--live``, ``--max-age``, ``--sandbox``) and must read
them the same way: :class:`LiveSource` is what was asked for, checked once for both
(:meth:`LiveSource.check`), and :class:`Live` what was read, with what it was read from
(:class:`~reconciler.model.Basis`). :meth:`Project.read_live
<reconciler.pipeline.project.Project.read_live>` reads it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from reconciler.documents.snapshot import LiveSnapshot
from reconciler.errors import SettingsError
from reconciler.model import Basis, LiveObject
from reconciler.pipeline.reporting import What

__all__ = ["Live", "LiveSource", "check_sandbox_options"]

#: How each command says what it did against a snapshot, and what ``--live`` does.
_WORDS: Mapping[What, tuple[str, str]] = {
    "plan": ("Planned", "plans"),
    "drift": ("Checked", "checks"),
}


def check_sandbox_options(sandbox: bool, reset: bool, tls: bool) -> None:
    """Refuse ``--reset-sandbox`` or ``--tls`` without ``--sandbox``."""
    if reset and not sandbox:
        raise SettingsError("--reset-sandbox goes with --sandbox.")
    if tls and not sandbox:
        raise SettingsError(
            "--tls goes with --sandbox; a real service's https is verified as it is."
        )


@dataclass(frozen=True, slots=True)
class LiveSource:
    """What the command line asked to read: ``snapshot`` (``--live FILE``, no older than
    ``max_age`` seconds), the local emulator (``--sandbox``, ``--reset-sandbox``, ``--tls``),
    or else the service the settings name."""

    snapshot: Path | None = None
    max_age: float | None = None
    sandbox: bool = False
    reset: bool = False
    tls: bool = False

    def check(self, what: What) -> None:
        """Refuse ``--live`` with ``--sandbox``, and ``--max-age`` without ``--live``; ``what``
        is the command (its words). The sandbox's options are checked when it starts
        (:meth:`check_sandbox`)."""
        if self.snapshot is not None and (self.sandbox or self.reset):
            raise SettingsError(
                f"--live {_WORDS[what][1]} against a snapshot: leave out --sandbox."
            )
        if self.snapshot is None and self.max_age is not None:
            raise SettingsError("--max-age goes with --live (the age of a snapshot).")

    def check_sandbox(self) -> None:
        """Refuse ``--reset-sandbox`` or ``--tls`` without ``--sandbox``."""
        check_sandbox_options(self.sandbox, self.reset, self.tls)

    @staticmethod
    def verb(what: What) -> str:
        """``Planned`` or ``Checked``: what the command says it did against a snapshot."""
        return _WORDS[what][0]


@dataclass(frozen=True, slots=True)
class Live:
    """The live objects by kind, what they were read from (None: not for the report to say,
    as in ``apply``), and the snapshot if one was (``sandbox``: read from the emulator)."""

    objects: Mapping[str, Sequence[LiveObject]] = field(repr=False)
    basis: Basis | None = None
    snapshot: LiveSnapshot | None = None
    sandbox: bool = False

    @property
    def names_no_tenant(self) -> bool:
        """Whether it was read from a snapshot that does not say of which tenant (an older
        reconciler took it): a saved plan made against it cannot be applied."""
        return self.snapshot is not None and not self.snapshot.tenants
