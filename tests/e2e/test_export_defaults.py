"""``export --defaults`` lifts only values that may be shared, never what says which is which."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ruamel.yaml import YAML

from reconciler.testing import CliResult
from reconciler_proctorexam.sandbox import Sandbox


def two_teachers_in_one_institute() -> dict[str, list[dict[str, object]]]:
    """Two users sharing their institute, identity provider and role; two institutes."""
    user = {"institute_id": 1, "role": "teacher", "omniauth_config_id": 7}
    return {
        "institutes": [
            {"id": 1, "name": "Utrecht University", "short_name": "uu"},
            {"id": 2, "name": "Leiden University", "short_name": "lu"},
        ],
        "identity_providers": [{"id": 7, "name": "UU SAML"}],
        "users": [
            {"id": 1, "email": "alice@uu.example", "name": "Alice", **user},
            {"id": 2, "email": "bob@uu.example", "name": "Bob", **user},
        ],
    }


def test_references_and_create_only_fields_stay_on_each_object(
    aimed_at: Callable[..., Sandbox], run_reconciler: Callable[..., CliResult], tmp_path: Path
) -> None:
    aimed_at(seed=two_teachers_in_one_institute())
    target = tmp_path / "exported"
    result = run_reconciler("export", str(target), "--defaults")
    assert result.exit_code == 0, result.stderr
    yaml = YAML(typ="safe")
    defaults = yaml.load((target / "defaults.yaml").read_text("utf-8"))["defaults"]
    # Shared values that may be defaults still are: the sandbox's own field defaults.
    assert defaults["reminder_emails_enabled"] is True
    for field in ("institute", "identity_provider", "role", "name", "email", "short_name"):
        assert field not in defaults
    users = yaml.load((target / "users.yaml").read_text("utf-8"))["users"]
    for email in ("alice@uu.example", "bob@uu.example"):
        assert users[email]["institute"] == "uu"
        assert users[email]["identity_provider"] == "UU SAML"
        assert users[email]["role"] == "teacher"
    assert run_reconciler("plan", str(target), "--detailed-exitcode").exit_code == 0

    # A user added later without `institute:` is an error at its line, not a silent default.
    (target / "new.yaml").write_text(
        "users:\n  carol@uu.example:\n    name: Carol\n", encoding="utf-8"
    )
    invalid = run_reconciler("validate", str(target))
    assert invalid.exit_code == 1
    assert "new.yaml:2:3: users.carol@uu.example: missing required field 'institute'" in (
        invalid.stderr
    )
