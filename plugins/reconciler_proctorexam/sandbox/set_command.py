"""``reconciler sandbox set``: change a sandbox object behind the tool's back (drift rehearsal).

It edits a sandbox's state file: the one ``--sandbox`` keeps for a config directory
(``--config-dir``), or the one a ``reconciler sandbox --state FILE`` server keeps (``--state``).
A running server holds its state file locked; stop it (Ctrl-C), set, and start it again: it
starts from the state file. The change itself is :mod:`.setting`'s.
"""

from __future__ import annotations

from pathlib import Path

import click

from reconciler_proctorexam.sandbox.errors import SandboxError

__all__ = ["set_command"]


@click.command("set")
@click.argument("address", metavar="ADDRESS")
@click.argument("assignments", nargs=-1, required=True, metavar="FIELD=VALUE...")
@click.option(
    "--config-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Change the sandbox that `--sandbox` runs of this config directory use.",
)
@click.option(
    "--state",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Change the sandbox kept in this state file (`reconciler sandbox --state FILE`).",
)
@click.option(
    "--seed",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="With --state: the seed to start from when the state file does not exist yet.",
)
def set_command(
    address: str,
    assignments: tuple[str, ...],
    config_dir: Path | None,
    state: Path | None,
    seed: Path | None,
) -> None:
    """Change fields of one sandbox object, as someone in the web interface would.

    ADDRESS is institute.SHORT_NAME or user.EMAIL; each VALUE is read as YAML (false, 12,
    [en-GB, fr-FR], null). The next plan or drift against that sandbox sees the change, e.g.
    `reconciler sandbox set institute.pe reminder_emails_enabled=false --config-dir config/`.
    """
    from reconciler_proctorexam.sandbox.local import SEED_FILE, state_path
    from reconciler_proctorexam.sandbox.setting import SECRET_FIELDS, parse_assignments, set_fields
    from reconciler_proctorexam.sandbox.store import open_store

    if (config_dir is None) == (state is None):
        raise click.UsageError("give the sandbox to change: --config-dir DIR or --state FILE")
    if config_dir is not None:
        if seed is not None:
            raise click.UsageError("--seed goes with --state; --config-dir uses its own seed")
        state, seed = state_path(config_dir), config_dir / SEED_FILE
    assert state is not None
    try:
        values = parse_assignments(assignments)
        if not state.exists() and (seed is None or not seed.is_file()):
            raise SandboxError(
                f"{state}: no sandbox state yet, and no seed to start one from"
                + (f" ({seed} is missing)" if seed is not None else "; give --seed FILE")
            )
        store = open_store(seed or {"institutes": []}, state_file=state)
        try:
            set_fields(store, address, values)
        finally:
            store.close()
    except SandboxError as exc:
        raise click.ClickException(str(exc)) from None
    for field, value in values.items():
        shown = "(sensitive)" if field in SECRET_FIELDS else _shown(value)
        click.echo(f"{address}: {field} set to {shown}", err=True)
    click.echo(f"Kept in {state}; the next plan or drift against this sandbox sees it.", err=True)


def _shown(value: object) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)
