"""Environments: a config directory that extends a base, like a kustomize overlay.

::

    environments/
      base/          institutes.yaml, groups.yaml, reconciler.toml
      staging/       reconciler.toml: extends = "../base", vars = "vars.yaml"; overrides.yaml
      production/    reconciler.toml: extends = "../base", vars = "vars.yaml"

An environment's YAML is its base's files (a base may extend another, farthest first) and then
its own. Its own values replace the base's, layer by layer: a ``defaults:`` field, a glob's or
group's field, an object's field. Precedence between layers stays as
:mod:`~reconciler.loading.layers` fixes it, so a base object's own value still wins over an
environment's ``defaults:``; to change one object, an environment declares it with the fields it
overrides. Settings (providers, credentials, safety, scope) are the environment's own, never
inherited: each environment is its own tenant. ``${var:NAME}`` values come from the vars files
of the chain, an environment's replacing its base's by name.

A cycle of ``extends``, or a base that is not a directory, is an error located at the
``extends`` that leads there.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.loading.limits import Limits
from reconciler.loading.variables import read_variables
from reconciler.model import Location
from reconciler.records import Problem
from reconciler.settings.config import Settings, read_settings

__all__ = ["Environment", "environment"]


@dataclass(frozen=True, slots=True)
class Environment:
    """The bases a directory extends (farthest first), its variables and their problems.

    ``variables`` is ``None`` when no directory of the chain names a vars file.
    """

    bases: tuple[Path, ...] = ()
    vars_files: tuple[Path, ...] = ()
    variables: dict[str, Any] | None = None
    problems: tuple[Problem, ...] = ()

    @property
    def vars_where(self) -> str:
        return ", ".join(str(p) for p in self.vars_files)


def environment(settings: Settings, limits: Limits | None = None) -> Environment:
    """Follow ``settings``' ``extends`` to the root base, and read the chain's vars files."""
    problems: list[Problem] = []
    seen = [os.path.realpath(settings.base_dir)]
    names = [str(settings.base_dir)]
    bases: list[Path] = []
    vars_files = [settings.vars_file] if settings.vars_file is not None else []
    current = settings
    while current.extends is not None:
        target = current.extends
        where = current.locate("extends")
        real = os.path.realpath(target)
        if real in seen:
            cycle = " -> ".join([*names[seen.index(real) :], str(target)])
            problems.append(
                Problem(
                    f"extends: a cycle ({cycle}); a base must not extend, directly or through"
                    " others, a directory that extends it",
                    where,
                )
            )
            break
        if not target.is_dir():
            problems.append(
                Problem(
                    f"extends: {target} is not a directory; name the base config directory,"
                    ' relative to this file (extends = "../base")',
                    where,
                )
            )
            break
        seen.append(real)
        names.append(str(target))
        bases.append(target)
        base_settings, base_problems = read_settings(target)
        problems += base_problems
        if base_settings.vars_file is not None:
            vars_files.append(base_settings.vars_file)
        current = base_settings
    vars_files.reverse()
    variables = None
    for file in vars_files:
        if not file.is_file():
            mine = settings.vars_file == file
            where_vars = settings.locate("vars") if mine else Location(str(file), 1, 1)
            problems.append(
                Problem(f"vars: {file} is not a file; create it or fix the path", where_vars)
            )
    existing = [f for f in vars_files if f.is_file()]
    if vars_files:
        values, _, found = read_variables(existing, limits or Limits())
        variables = values
        problems += found
    return Environment(tuple(reversed(bases)), tuple(vars_files), variables, tuple(problems))
