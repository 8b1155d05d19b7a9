"""The bulk-change guard's one-shot override in the shipped GitHub workflow: an input a person
sets when running it by hand, empty by default, passed as --force-changes only when set."""

from __future__ import annotations

from pathlib import Path

from ruamel.yaml import YAML

PLAN = Path(__file__).resolve().parents[1] / "examples" / "github-actions" / "reconciler-plan.yml"


def test_the_plan_workflow_takes_force_changes_as_a_manual_input_never_a_default() -> None:
    workflow = YAML(typ="safe").load(PLAN.read_text())
    trigger = workflow["on"]["workflow_dispatch"]["inputs"]["force_changes"]
    assert trigger["default"] == ""
    assert trigger["required"] is False
    (plan,) = [s for s in workflow["jobs"]["plan"]["steps"] if s.get("id") == "plan"]
    assert plan["env"]["FORCE_CHANGES"] == "${{ inputs.force_changes }}"
    assert (
        'if [ -n "$FORCE_CHANGES" ]; then overrides+=(--force-changes "$FORCE_CHANGES")'
        in (plan["run"])
    )
    assert "--force-changes" not in workflow["jobs"]["plan"]["env"].get("FROM_FORK", "")
