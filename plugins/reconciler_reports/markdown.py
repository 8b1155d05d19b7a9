"""The ``markdown`` format: plans and drift reports as pull-request comments and job summaries.

A summary line with the totals comes first, then the refusals of a refused plan, then one
collapsible ``<details>`` section per object with its fields and their YAML locations, and a
list of the objects that have no fields to show (deleted, present, unmanaged).

GitHub refuses a comment longer than 65,536 characters, so the text stays within
:data:`MAX_CHARS`: when it would not, it is cut at an object boundary, keeps the summary, and
says how many objects are not shown and where the full report is. With
:attr:`~reconciler.records.RenderOptions.max_chars` (``--max-chars N``, for a host with
another limit, or to show everything in several comments), nothing is left out: the report
is split into numbered parts of at most N characters each, never inside an object, with the
totals in part 1; the parts are joined by :data:`~reconciler.records.PART_BREAK`.

Everything that came from a user or the service goes into a code span (in Markdown) or is
HTML-escaped (in the raw HTML of a ``<summary>``), so a value cannot open a link, mention
someone, or break the table it sits in.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from reconciler import (
    PART_BREAK,
    Action,
    Basis,
    Change,
    DriftCategory,
    DriftedObject,
    DriftReport,
    FieldChange,
    Ignored,
    LiveRef,
    Location,
    NotCompared,
    Plan,
    Refusal,
    RenderOptions,
    SettingsError,
)
from reconciler_reports.values import clean, desired_text, live_text, not_compared

__all__ = ["MAX_CHARS", "render_markdown", "render_markdown_drift"]

#: The longest text rendered: below GitHub's 65,536 characters for a comment, with room to spare
#: for a line a workflow may add.
MAX_CHARS: Final = 65_000

#: Values are cut to this many characters: one huge value must not push out every other object.
_VALUE_CHARS: Final = 300

_ACTION_WORDS: Final = {Action.CREATE: "create", Action.UPDATE: "update", Action.DELETE: "delete"}
_DRIFT_TITLES: Final = {
    DriftCategory.CHANGED: "Changed: a declared field differs on the service",
    DriftCategory.MISSING: "Missing: declared, not on the service",
    DriftCategory.PRESENT: "Present: tombstoned (`absent: true`), still on the service",
    DriftCategory.UNMANAGED: "Unmanaged: on the service, not declared",
}
_DRIFT_SYMBOLS: Final = {
    DriftCategory.CHANGED: "~",
    DriftCategory.MISSING: "+",
    DriftCategory.PRESENT: "-",
    DriftCategory.UNMANAGED: "?",
}


_PLAN_TITLE: Final = "### reconciler plan"
_DRIFT_TITLE: Final = "### reconciler drift"


def render_markdown(plan: Plan, refusals: Sequence[Refusal], options: RenderOptions) -> str:
    """Render ``plan`` and its refusals as GitHub-flavoured Markdown within :data:`MAX_CHARS`."""
    head = [_PLAN_TITLE, "", *_basis(plan.basis, "Planned")]
    summary = f"**{plan.summary()}**"
    if plan.unmanaged:
        summary += f" {len(plan.unmanaged):,} unmanaged live object(s) left alone."
    head += [
        summary,
        *_ignored(plan.ignored),
        *_not_compared(plan.not_compared),
        *_partial(plan),
        "",
    ]
    if refusals:
        head += _refusals(refusals)
    elif plan.empty:
        head += ["No changes. The live objects match the configuration.", ""]
    deletes = [c for c in plan.changes if c.action is Action.DELETE]
    groups = [
        _Group([c for c in plan.changes if c.action is not Action.DELETE], _change_section),
        _Group(
            deletes,
            _listed,
            opening=f"#### To delete ({len(deletes):,})\n\n",
            closing="\n",
        ),
        _Group(
            plan.unmanaged,
            _listed,
            opening=(
                f"<details><summary>{len(plan.unmanaged):,} live object(s) not in the"
                " configuration, left alone</summary>\n\n"
            ),
            closing="\n</details>\n\n",
        ),
    ]
    return _fit("\n".join(head) + "\n", groups, options)


def render_markdown_drift(report: DriftReport, options: RenderOptions) -> str:
    """Render a drift report as GitHub-flavoured Markdown within :data:`MAX_CHARS`."""
    head = [_DRIFT_TITLE, "", *_basis(report.basis, "Checked")]
    if report.empty:
        head.append(
            f"**No drift.** The live objects match the configuration ({report.declared:,}"
            f" declared, {report.live_count:,} live)."
        )
    else:
        head.append(f"**{report.summary()}**")
    head += [*_ignored(report.ignored), *_not_compared(report.not_compared), ""]
    groups = []
    for category in DriftCategory:
        objects = report.of(category)
        listed = category in (DriftCategory.PRESENT, DriftCategory.UNMANAGED)
        groups.append(
            _Group(
                objects,
                _listed if listed else _drift_section,
                opening=f"#### {_DRIFT_TITLES[category]} ({len(objects):,})\n\n",
                closing="\n" if listed else "",
            )
        )
    return _fit("\n".join(head) + "\n", groups, options)


# --------------------------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------------------------


def _change_section(change: Change) -> str:
    words = f"{_ACTION_WORDS[change.action]} {_fields(len(change.fields))}"
    summary = f"{html.escape(change.action.symbol)} {_html_code(change.address)}: {words}"
    if change.action is Action.CREATE:
        header = "| field | value | set at |\n|---|---|---|\n"
        rows = [
            f"| {_code(f.name)} | {_code(desired_text(f))}"
            f" | {_code_location(f.location, f.layer)} |\n"
            for f in change.fields
        ]
    else:
        header = "| field | live | planned | set at |\n|---|---|---|---|\n"
        rows = [_field_row(f) for f in change.fields]
    return _details(summary, change.location, header + "".join(rows))


def _drift_section(obj: DriftedObject) -> str:
    symbol = _DRIFT_SYMBOLS[obj.category]
    summary = f"{symbol} {_html_code(obj.address)}: {_fields(len(obj.fields))}"
    if obj.category is DriftCategory.MISSING:
        header = "| field | declared | set at |\n|---|---|---|\n"
        rows = [
            f"| {_code(f.name)} | {_code(desired_text(f))}"
            f" | {_code_location(f.location, f.layer)} |\n"
            for f in obj.fields
        ]
    else:
        header = "| field | declared | live | set at |\n|---|---|---|---|\n"
        rows = [
            f"| {_code(f.name)} | {_code(desired_text(f))} | {_code(live_text(f))}"
            f" | {_code_location(f.location, f.layer)} |\n"
            for f in obj.fields
        ]
    return _details(summary, obj.location, header + "".join(rows))


def _field_row(f: FieldChange) -> str:
    return (
        f"| {_code(f.name)} | {_code(live_text(f))} | {_code(desired_text(f))}"
        f" | {_code_location(f.location, f.layer)} |\n"
    )


def _details(summary: str, location: Location | None, body: str) -> str:
    where = f" · {_html_code(str(location))}" if location else ""
    return f"<details><summary>{summary}{where}</summary>\n\n{body}\n</details>\n\n"


def _listed(obj: Change | DriftedObject | LiveRef) -> str:
    """One line of a list: an object with nothing more to show than where it is declared."""
    location = getattr(obj, "location", None)
    return f"- {_code(obj.address)}{_located(location)}\n"


def _refusals(refusals: Sequence[Refusal]) -> list[str]:
    lines = ["> [!CAUTION]", "> **The plan was refused** (exit 3); nothing will be changed:"]
    for refusal in refusals:
        where = f"{_code(refusal.address)}: " if refusal.address else ""
        who = f" ({_code(refusal.plugin)})" if refusal.plugin else ""
        lines.append(f"> - {where}{_text(refusal.message)}{who}")
    return [*lines, ""]


def _basis(basis: Basis | None, verb: str) -> list[str]:
    """What the report was made against, first; what came from outside as code."""
    if basis is None:
        return []
    return [*(f"{line}  " for line in basis.lines(verb, quote=_code)), ""]


def _not_compared(items: tuple[NotCompared, ...]) -> list[str]:
    if not items:
        return []
    heading, shown, rest = not_compared(items)
    lines = ["", heading, ""]
    for item in shown:
        reason = _text(item.reason)
        if item.variables:
            verb = "is" if len(item.variables) == 1 else "are"
            reason = f"{', '.join(map(_code, item.variables))} {verb} not set"
        if not item.needed:
            reason = f"not compared: {reason}"
        lines.append(
            f"- {_code(f'{item.address}.{item.field}')}: {reason}{_located(item.location)}"
        )
    if rest:
        lines.append(f"- and {rest:,} more")
    return lines


def _partial(plan: Plan) -> list[str]:
    if plan.targeting is None:
        return []
    return ["", "> [!WARNING]", f"> {_text(plan.targeting.summary())}"]


def _ignored(ignored: Ignored) -> list[str]:
    # Our own words: only the table name needs to stay literal.
    return ["", ignored.summary().replace("[ignore]", "`[ignore]`")] if ignored else []


# --------------------------------------------------------------------------------------------
# The cut
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Group:
    """Objects rendered together, one item each, wrapped in ``opening`` and ``closing``.

    Items are rendered only as far as they can be shown: a plan of 10,000 changes renders
    about as many sections as fit, not all of them.
    """

    objects: Sequence[Any]
    render: Callable[[Any], str]
    opening: str = ""
    closing: str = ""


#: Room kept for the note that says what was cut (it is a few hundred characters at most).
_NOTE_ROOM: Final = 1_000


def _fit(head: str, groups: Sequence[_Group], options: RenderOptions) -> str:
    """``head`` and as many whole objects of ``groups`` as fit, with a note if any were cut."""
    groups = [g for g in groups if g.objects]
    if options.max_chars is not None:
        return _split(head, groups, options.max_chars)
    rendered: list[list[str]] = []
    size = len(head)
    over = False
    for group in groups:
        items: list[str] = []
        rendered.append(items)
        size += len(group.opening) + len(group.closing)
        for obj in group.objects:
            items.append(group.render(obj))
            size += len(items[-1])
            if size > MAX_CHARS:
                over = True
                break
        if over:
            break
    if not over:
        return head + "".join(
            g.opening + "".join(items) + g.closing
            for g, items in zip(groups, rendered, strict=True)
        )
    budget = MAX_CHARS - _NOTE_ROOM - len(head)
    parts = [head]
    shown = 0
    for group, items in zip(groups, rendered, strict=False):
        wrap = len(group.opening) + len(group.closing)
        if budget < wrap + len(items[0]):
            break
        budget -= wrap
        fitting = 0
        for item in items:
            if len(item) > budget:
                break
            budget -= len(item)
            fitting += 1
        parts += [group.opening, *items[:fitting], group.closing]
        shown += fitting
        if fitting < len(group.objects):
            break
    total = sum(len(g.objects) for g in groups)
    where = options.full_report or "the same command with `--format json` or `--format html`"
    parts.append(
        f"> [!NOTE]\n> **{total - shown:,} of {total:,} objects are not shown**: the text would"
        f" pass GitHub's comment limit ({MAX_CHARS:,} characters kept). The totals above count"
        f" them all. The full report: {_text(where, code_spans=True)}.\n"
    )
    return "".join(parts)


#: Room kept in each part for its title's "· part 12 of 34".
_PART_ROOM: Final = 40


def _split(head: str, groups: Sequence[_Group], limit: int) -> str:
    """Every object of ``groups``, in parts of at most ``limit`` characters, ``head`` in part 1.

    A group continued in the next part opens again there (its heading, or its ``<details>``).
    """
    title, _, rest = head.partition("\n")
    parts: list[list[str]] = [[rest]]
    size = len(title) + _PART_ROOM + len(rest)
    if size > limit:
        raise SettingsError(
            f"--max-chars {limit}: the summary alone takes {size} characters; give more."
        )
    current: _Group | None = None
    for group in groups:
        wrap = len(group.opening) + len(group.closing)
        for obj in group.objects:
            item = group.render(obj)
            need = len(item) + (wrap if group is not current else 0)
            if size + need > limit and len(parts[-1]) > (1 if len(parts) == 1 else 0):
                if current is not None:
                    parts[-1].append(current.closing)
                parts.append([])
                size, current = len(title) + _PART_ROOM, None
                need = len(item) + wrap
            if size + need > limit:
                raise SettingsError(
                    f"--max-chars {limit}: {getattr(obj, 'address', 'an object')} alone takes"
                    f" {len(item) + wrap} characters, and an object is never split; give more."
                )
            if group is not current:
                if current is not None:
                    parts[-1].append(current.closing)
                parts[-1].append(group.opening)
                current = group
            parts[-1].append(item)
            size += need
    if current is not None:
        parts[-1].append(current.closing)
    if len(parts) == 1:
        return title + "\n" + "".join(parts[0])
    return PART_BREAK.join(
        f"{title} · part {n} of {len(parts)}\n" + ("" if n == 1 else "\n") + "".join(part)
        for n, part in enumerate(parts, start=1)
    )


# --------------------------------------------------------------------------------------------
# Escaping
# --------------------------------------------------------------------------------------------

_MARKDOWN_ACTIVE: Final = re.compile(r"[\\`*_{}\[\]<>()#+!|~@&:]")


def _code(text: str) -> str:
    """``text`` as a Markdown code span that is safe in a table cell.

    Inside a code span nothing is Markdown (no links, no mentions, no entities); only ``|``
    must be escaped in a table, and the fence must be longer than any run of backticks.
    """
    text = _short(clean(text))
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}".replace("|", "\\|")


def _code_location(location: Location | None, layer: str | None = None) -> str:
    """The place a value is written, and the shared layer that wrote it (its provenance)."""
    where = _code(str(location)) if location else ""
    return f"{where} ({_code(layer)})" if layer else where


def _located(location: Location | None) -> str:
    return f" ({_code(str(location))})" if location else ""


def _html_code(text: str) -> str:
    """``text`` in a ``<code>`` element of raw HTML, where Markdown is not read."""
    return f"<code>{html.escape(_short(clean(text)))}</code>"


def _text(text: str, *, code_spans: bool = False) -> str:
    """Free text (a refusal's message) with every Markdown-active character as an entity.

    With ``code_spans``, text between backticks is kept as code (for the notes we write).
    """
    if code_spans:
        pieces = re.split(r"(`[^`]+`)", text)
        return "".join(p if p.startswith("`") else _text(p) for p in pieces)
    return _MARKDOWN_ACTIVE.sub(lambda m: f"&#{ord(m.group())};", clean(text))


def _fields(count: int) -> str:
    return f"{count} field" if count == 1 else f"{count} fields"


def _short(text: str) -> str:
    return text if len(text) <= _VALUE_CHARS else text[: _VALUE_CHARS - 1] + "…"
