"""Several config directories planned, or checked for drift, in one run.

``reconciler plan DIR...`` and ``reconciler drift DIR...`` run each directory as it would run
alone, with its own settings, plugins and credentials, and then give one summary: directory,
tenant, counts and exit code per directory, and the worst exit code as the run's.

- A directory that another one given extends (a base shared by environments) is not run on its
  own: its objects are planned through each environment, and its row says so.
- Directories whose providers name the same tenant (:attr:`~reconciler.records.Provider.tenant`,
  the API address for ProctorExam) share one listing of it, read with the first one's
  credentials, and must not both declare one object: with overlapping scopes the same object
  would be managed twice, so that is an error in both rows, located in both.
- A directory that fails (a config error, a connection refused) is an error row; the others
  still run.

Exit codes rank, worst first: 1 (error) > 4 > 3 (refused) > 2 (changes or drift) > 0.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from reconciler.errors import ReconcilerError
from reconciler.model import DesiredState, LiveObject
from reconciler.pipeline.project import Project

__all__ = ["Member", "Row", "prepare", "refresh_all", "tenant_of", "worst"]

#: How bad an exit code is, for the run's: the worst of its directories'.
_RANK: Final = {0: 0, 2: 1, 3: 2, 4: 3, 1: 4}


def worst(codes: Sequence[int]) -> int:
    return max(codes, key=lambda c: _RANK.get(c, 5), default=0)


@dataclass(slots=True)
class Row:
    """One directory's line of the summary, and its own report (or the error that ended it).

    ``counts`` are create/update/delete for a plan, changed/missing/present/unmanaged for
    drift; ``report`` is the directory's report rendered in the run's format.
    """

    path: Path
    tenant: str = ""
    counts: tuple[int, ...] = ()
    exit_code: int = 0
    report: str = ""
    error: str = ""
    note: str = ""


@dataclass(slots=True)
class Member:
    """A directory that runs: its project, its desired state, its tenant and its row."""

    project: Project
    desired: DesiredState
    row: Row
    live: dict[str, Sequence[LiveObject]] = field(default_factory=dict, repr=False)


def _fail(row: Row, exc: ReconcilerError) -> None:
    row.exit_code = exc.exit_code
    row.error = str(exc)


def prepare(paths: Sequence[Path]) -> tuple[list[Row], list[Member]]:
    """Open and load each directory once; a base of another given directory is not run."""
    rows: list[Row] = []
    seen: set[str] = set()
    opened: list[tuple[Row, Project]] = []
    for path in paths:
        real = os.path.realpath(path)
        if real in seen:
            continue  # given twice (a shell glob and a name): run once
        seen.add(real)
        row = Row(path)
        rows.append(row)
        try:
            opened.append((row, Project.open(path)))
        except ReconcilerError as exc:
            _fail(row, exc)
    extended_by: dict[str, list[str]] = {}
    for row, project in opened:
        for base in project.environment().bases:
            extended_by.setdefault(os.path.realpath(base), []).append(row.path.name)
    members: list[Member] = []
    for row, project in opened:
        users = extended_by.get(os.path.realpath(row.path))
        if users:
            row.note = f"base (extended by {', '.join(sorted(users))})"
            continue
        try:
            members.append(Member(project, project.load(), row))
        except ReconcilerError as exc:
            _fail(row, exc)
    return rows, members


def tenant_of(member: Member) -> str:
    """The tenants of the providers a directory connects to, named without secrets."""
    project = member.project
    kinds = project.needed_kinds(member.desired)
    named = project.tenants(kinds)
    names = []
    for kind in kinds:
        provider = project.provider_for(kind)
        names.append(named.get(provider.name, f"{provider.name} (no tenant named)"))
    return " + ".join(dict.fromkeys(names)) or "(none)"


def check_overlaps(group: Sequence[Member]) -> None:
    """Two directories of one tenant that both declare an object: an error in both rows."""
    first: dict[str, tuple[Member, Any]] = {}
    clashes: dict[int, list[str]] = {}
    for member in group:
        for obj in member.desired.objects:
            earlier = first.get(obj.address)
            if earlier is None:
                first[obj.address] = (member, obj.location)
                continue
            other, where = earlier
            message = (
                f"{obj.address} is declared by both {other.row.path} (at {where}) and"
                f" {member.row.path} (at {obj.location}), which share the tenant"
                f" {member.row.tenant}; an object belongs to one directory: narrow their"
                " [scope] objects so that they do not overlap, and declare it once"
            )
            clashes.setdefault(id(other), []).append(message)
            clashes.setdefault(id(member), []).append(message)
    for member in group:
        found = clashes.get(id(member))
        if found:
            member.row.exit_code = 1
            member.row.error = "\n".join(dict.fromkeys(found))


async def refresh_all(groups: Sequence[Sequence[Member]]) -> None:
    """List each tenant once, with its first directory's settings and credentials; the
    tenants at the same time."""
    import asyncio  # loaded already: this runs in its event loop

    await asyncio.gather(*(_refresh_group(group) for group in groups))


async def _refresh_group(group: Sequence[Member]) -> None:
    first = group[0]
    kinds = sorted({k for m in group for k in m.project.needed_kinds(m.desired)})
    try:
        async with first.project.sessions(kinds) as sessions:
            desired = first.desired if len(group) == 1 else None
            live = await first.project.refresh(sessions, desired)
    except ReconcilerError as exc:
        for member in group:
            _fail(member.row, exc)
        return
    for member in group:
        member.live = live


def run_members(
    members: Sequence[Member],
    sandbox: Callable[[Project, Collection[str]], contextlib.AbstractContextManager[None]] | None,
    each: Callable[[Member], None],
    run: Callable[[Any], Any],
) -> None:
    """Start each directory's sandbox (if asked), list each tenant once, then run ``each``."""
    with contextlib.ExitStack() as stack:
        ready = []
        for member in members:
            try:
                if sandbox is not None:
                    stack.enter_context(sandbox(member.project, member.desired.kinds))
                member.row.tenant = tenant_of(member)
            except ReconcilerError as exc:
                _fail(member.row, exc)
                continue
            ready.append(member)
        groups: dict[str, list[Member]] = {}
        for member in ready:
            groups.setdefault(member.row.tenant, []).append(member)
        for group in groups.values():
            if len(group) > 1:
                check_overlaps(group)
        live_groups = [[m for m in group if not m.row.error] for group in groups.values()]
        run(refresh_all([g for g in live_groups if g]))
        for member in ready:
            if member.row.error:
                continue
            try:
                each(member)
            except ReconcilerError as exc:
                _fail(member.row, exc)
