"""Which environment variables a configuration may read through ``${env:NAME}``, and when.

A configuration is data that a pull request may change; the environment it runs in holds the
tool's own credentials. So a reference never reads a credential variable: ``PROCTOREXAM_*``
(the built-in provider's), and every variable a provider declares in its record
(:attr:`reconciler.records.Provider.credential_variables`). The project may narrow what is
readable further with ``[env] allow = ["PE_*"]`` in ``reconciler.toml`` (shell-style globs).

A value is needed only when it must be sent: unless ``require`` is set (``validate
--require-env``), an unset variable is not an error, and the field holds an
:class:`~reconciler.model.Unset` instead.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

__all__ = ["BUILTIN_CREDENTIALS", "EnvAccess"]

#: Variables no configuration may read, whichever providers are loaded: the tool's own.
#: ``RECONCILER_*`` holds the tool's switches (and a plan-signing key), never configuration.
BUILTIN_CREDENTIALS: Final = ("PROCTOREXAM_*", "RECONCILER_*")


@dataclass(frozen=True, slots=True)
class EnvAccess:
    """The environment a configuration reads, and the rules for reading it.

    ``credentials`` are globs of variables that are never readable; ``allow``, when not
    ``None``, the globs of the only variables that are; ``require`` makes an unset variable
    an error rather than a value left to read later.
    """

    environ: Mapping[str, str] = field(repr=False)
    credentials: tuple[str, ...] = BUILTIN_CREDENTIALS
    allow: tuple[str, ...] | None = None
    require: bool = False
    #: Where ``allow`` is written, for the message (``reconciler.toml:4:1``).
    allow_source: str = "[env] allow in reconciler.toml"

    @classmethod
    def strict(cls, environ: Mapping[str, str]) -> EnvAccess:
        """Every variable but the built-in credentials readable, and every one required."""
        return cls(environ, require=True)

    def with_credentials(self, names: Iterable[str]) -> EnvAccess:
        extra = tuple(n for n in names if n not in self.credentials)
        return EnvAccess(
            self.environ,
            (*self.credentials, *extra),
            self.allow,
            self.require,
            self.allow_source,
        )

    def refusal(self, name: str) -> str | None:
        """Why ``name`` may not be read, or None when it may."""
        for pattern in self.credentials:
            if fnmatch.fnmatchcase(name, pattern):
                return (
                    f"{name} holds one of the tool's own credentials ({pattern}), which a"
                    " configuration may never read; use a variable of your own"
                )
        if self.allow is not None and not any(
            fnmatch.fnmatchcase(name, pattern) for pattern in self.allow
        ):
            shown = ", ".join(repr(p) for p in self.allow) or "none"
            return (
                f"{name} is not among the variables this project may read ({self.allow_source}:"
                f" {shown}); add a pattern that matches it, or use an allowed variable"
            )
        return None
