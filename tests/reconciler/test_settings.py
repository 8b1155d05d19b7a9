"""reconciler.toml: defaults when absent, every key checked when present."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler import SettingsError
from reconciler.settings.config import load_settings, read_settings
from reconciler.settings.safety import KindLimits


def test_no_file_gives_the_defaults(tmp_path: Path) -> None:
    settings = load_settings(tmp_path)
    assert (settings.parallelism, settings.allow_delete, settings.source) == (4, False, None)


def test_a_full_file_is_read(tmp_path: Path) -> None:
    (tmp_path / "reconciler.toml").write_text(
        '[providers.proctorexam]\nbase_url = "https://x.example/api/v3"\n'
        "[apply]\nparallelism = 8\n[safety]\nallow_delete = true\nmax_change_share = 0.25\n"
        '[plugins]\nlocal = ["p/policy.py"]\ndisable = ["reports"]\n'
    )
    settings = load_settings(tmp_path / "institutes.yaml")
    assert settings.providers == {"proctorexam": {"base_url": "https://x.example/api/v3"}}
    limits = settings.safety.defaults
    assert (settings.parallelism, settings.allow_delete, limits.max_change_share) == (8, True, 0.25)
    assert settings.local_plugins == (tmp_path / "p/policy.py",)
    assert settings.disabled_plugins == ("reports",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[aply]\nparallelism = 2\n", r":1:1: unknown table \[aply\]; did you mean 'apply'\?"),
        ("[apply]\nparalelism = 2\n", ":2:1: apply.paralelism is not a setting; did you mean"),
        ("[apply]\nparallelism = true\n", ":2:1: apply.parallelism must be a whole number"),
        ("[apply]\nparallelism = 0\n", "at least 1"),
        ("[safety]\nmax_change_share = 2\n", r"must be in \(0, 1\]"),
        ("[apply\n", ":1:7: not valid TOML"),
        ("[providers]\nproctorexam = 1\n", ":2:1: providers.proctorexam is not a table"),
    ],
)
def test_mistakes_are_named(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "reconciler.toml").write_text(text)
    with pytest.raises(SettingsError, match=message):
        load_settings(tmp_path)


def test_every_problem_comes_out_at_once_each_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "reconciler.toml").write_text(
        "# settings\n"
        "[apply]\n"
        "parallelism = 0\n"
        "\n"
        "[safety]\n"
        "allow_delete = 'yes'\n"
        "max_change_sahre = 0.5\n"
        "[plugins]\n"
        "local = 'one.py'\n"
        "[plugin.mine]\n"
    )
    settings, problems = read_settings(tmp_path)
    toml = tmp_path / "reconciler.toml"
    assert [str(p) for p in problems] == [
        f"{toml}:3:1: apply.parallelism must be at least 1, not 0",
        f"{toml}:6:1: safety.allow_delete must be true or false, not 'yes'",
        f"{toml}:7:1: safety.max_change_sahre is not a setting; did you mean 'max_change_share'?"
        " (under [safety]: allow_delete, max_change_share, max_changes, min_objects, protect,"
        " protect_fields)",
        f"{toml}:9:1: plugins.local must be a list of strings, not 'one.py'",
        f"{toml}:10:1: unknown table [plugin]; did you mean 'plugins'? (tables: [apply],"
        " [drift], [env], [ignore], [plugins], [providers], [safety], [scope])",
    ]
    assert (settings.parallelism, settings.allow_delete) == (4, False)


def test_the_safety_limits_default_on_and_each_kind_may_have_its_own(tmp_path: Path) -> None:
    assert load_settings(tmp_path).safety.limits("institute") == KindLimits(0.3, 10, None)
    (tmp_path / "reconciler.toml").write_text(
        "[safety]\nmin_objects = 20\nprotect = ['institute.pe']\nprotect_fields = ['name']\n"
        "[safety.institute]\nmax_change_share = 0.5\nmax_changes = 50\n"
    )
    safety = load_settings(tmp_path).safety
    assert safety.limits("institute") == KindLimits(0.5, 20, 50)
    assert safety.limits("user") == KindLimits(0.3, 20, None)
    assert (safety.protect, safety.protect_fields) == (("institute.pe",), frozenset({"name"}))


def test_safety_mistakes_are_located(tmp_path: Path) -> None:
    (tmp_path / "reconciler.toml").write_text(
        "[safety]\nprotect = 'institute.pe'\n[safety.institute]\nmax_change = 5\nmin_objects = -1\n"
    )
    _, problems = read_settings(tmp_path)
    toml = tmp_path / "reconciler.toml"
    assert [str(p) for p in problems] == [
        f"{toml}:2:1: safety.protect must be a list of strings, not 'institute.pe'",
        f"{toml}:4:1: safety.institute.max_change is not a setting; did you mean 'max_changes'?"
        " (under [safety.institute]: max_change_share, max_changes, min_objects)",
        f"{toml}:5:1: safety.institute.min_objects must be a whole number of at least 0, not -1",
    ]


def test_plugin_tables_are_kept_for_their_plugins(tmp_path: Path) -> None:
    (tmp_path / "reconciler.toml").write_text(
        '[plugins]\nlocal = []\n\n[plugins.notify]\nurl = "https://x"\n'
    )
    settings, problems = read_settings(tmp_path)
    assert problems == []
    assert settings.plugin_settings == {"notify": {"url": "https://x"}}
    assert str(settings.locate("plugins", "notify", "url")).endswith("reconciler.toml:5:1")
    assert str(settings.locate("plugins", "notify", "nope")).endswith("reconciler.toml:4:1")
