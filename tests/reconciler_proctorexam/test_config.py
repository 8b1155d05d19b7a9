"""Connection settings: where each comes from, what is refused, and that secrets stay hidden."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reconciler.errors import SettingsError
from reconciler.records import ProviderContext
from reconciler_proctorexam.config import check_readings, is_loopback, resolve_settings

TOKEN = "tok-0123456789"
SECRET = "sec-9876543210"
ENV = {
    "PROCTOREXAM_BASE_URL": "https://acme.proctorexam.com/api/v3/",
    "PROCTOREXAM_API_TOKEN": TOKEN,
    "PROCTOREXAM_SECRET_KEY": SECRET,
}


def _context(
    options: dict[str, Any] | None = None,
    environ: dict[str, str] | None = None,
    base_dir: Path = Path(),
    parallelism: int = 4,
) -> ProviderContext:
    return ProviderContext(
        options=options or {},
        environ=ENV if environ is None else environ,
        parallelism=parallelism,
        base_dir=base_dir,
    )


def test_from_the_environment() -> None:
    settings = resolve_settings(_context(parallelism=7))
    assert settings.base_url == "https://acme.proctorexam.com/api/v3"
    assert settings.credentials.token == TOKEN
    assert settings.credentials.secret == SECRET
    assert settings.parallelism == 7
    assert settings.host == "acme.proctorexam.com"


def test_secrets_never_in_repr_or_str() -> None:
    settings = resolve_settings(_context())
    for text in (
        repr(settings),
        str(settings),
        repr(settings.credentials),
        str(settings.credentials),
    ):
        assert TOKEN not in text
        assert SECRET not in text


def test_environment_base_url_wins_over_the_settings_file() -> None:
    options = {"base_url": "https://other.proctorexam.com/api/v3"}
    assert resolve_settings(_context(options)).base_url == "https://acme.proctorexam.com/api/v3"
    environ = {k: v for k, v in ENV.items() if k != "PROCTOREXAM_BASE_URL"}
    assert resolve_settings(_context(options, environ)).base_url == options["base_url"]


def test_tuning_options() -> None:
    options = {
        "timeout": 5,
        "max_retries": 2,
        "rate_limit": 10,
        "backoff": 0.01,
        "backoff_cap": 0.1,
        "max_retry_after": 3,
    }
    settings = resolve_settings(_context(options))
    assert (settings.timeout, settings.max_retries, settings.rate_limit) == (5.0, 2, 10.0)
    assert (settings.backoff, settings.backoff_cap, settings.max_retry_after) == (0.01, 0.1, 3.0)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"timeout": 0}, "timeout under \\[providers.proctorexam\\] must be at least"),
        ({"timeout": "fast"}, "timeout under .* must be a number"),
        ({"max_retries": 1.5}, "max_retries under .* must be a whole number"),
        ({"max_retries": True}, "max_retries under .* must be a whole number"),
        ({"rate_limit": -1}, "rate_limit under .* must be at least"),
        ({"allow_insecure_http": "yes"}, "allow_insecure_http under .* must be true or false"),
        ({"update_method": "patch"}, 'update_method under .* must be "PATCH" or "PUT", not'),
        ({"delete_params": "header"}, 'delete_params under .* must be "query" or "body"'),
        ({"list_rendering": 1}, 'list_rendering under .* must be "ruby" or "json", not 1'),
    ],
)
def test_bad_options(options: dict[str, Any], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        resolve_settings(_context(options))


def test_the_readings_default_to_ours_and_can_be_switched() -> None:
    default = resolve_settings(_context())
    assert (default.update_method, default.delete_params, default.list_rendering) == (
        "PATCH",
        "query",
        "ruby",
    )
    options = {"update_method": "PUT", "delete_params": "body", "list_rendering": "json"}
    switched = resolve_settings(_context(options))
    assert (switched.update_method, switched.delete_params, switched.list_rendering) == (
        "PUT",
        "body",
        "json",
    )


def test_every_bad_reading_is_reported_at_once() -> None:
    options = {"update_method": "POST", "delete_params": "header", "list_rendering": "ruby"}
    problems = check_readings(options)
    assert [p.split(" ")[0] for p in problems] == ["update_method", "delete_params"]
    assert problems[0].endswith("not 'POST'; reconciler doctor tells which one.")
    assert problems[1].endswith("not 'header'.")


def test_the_timestamp_window_belongs_to_the_sandbox() -> None:
    [problem] = check_readings({"timestamp_window": 60})
    assert "not a client setting" in problem
    assert "reconciler sandbox --timestamp-window SECONDS" in problem


def test_missing_base_url_names_the_variable() -> None:
    environ = {k: v for k, v in ENV.items() if k != "PROCTOREXAM_BASE_URL"}
    with pytest.raises(SettingsError, match="set PROCTOREXAM_BASE_URL"):
        resolve_settings(_context({}, environ))
    with pytest.raises(SettingsError, match=r"base_url under .* must be a string"):
        resolve_settings(_context({"base_url": 3}, environ))


@pytest.mark.parametrize("missing", ["PROCTOREXAM_API_TOKEN", "PROCTOREXAM_SECRET_KEY"])
def test_missing_credentials_name_the_variable(missing: str) -> None:
    environ = {k: v for k, v in ENV.items() if k != missing}
    with pytest.raises(SettingsError, match=f"set {missing} in the environment") as info:
        resolve_settings(_context({}, environ))
    assert TOKEN not in str(info.value)
    assert SECRET not in str(info.value)


def test_credentials_file(tmp_path: Path) -> None:
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "pe.env").write_text(
        "# ProctorExam\n"
        f"PROCTOREXAM_API_TOKEN='{TOKEN}'\n"
        "\n"
        f'export PROCTOREXAM_SECRET_KEY="{SECRET}"\n',
        encoding="utf-8",
    )
    environ = {"PROCTOREXAM_BASE_URL": "https://acme.proctorexam.com/api/v3"}
    settings = resolve_settings(_context({"credentials_file": "secrets/pe.env"}, environ, tmp_path))
    assert (settings.credentials.token, settings.credentials.secret) == (TOKEN, SECRET)
    assert "pe.env" in str(settings.credentials)
    assert SECRET not in str(settings.credentials)


def test_environment_wins_over_the_credentials_file(tmp_path: Path) -> None:
    (tmp_path / "pe.env").write_text(
        "PROCTOREXAM_API_TOKEN=file-token\nPROCTOREXAM_SECRET_KEY=file-secret\n", encoding="utf-8"
    )
    environ = {**ENV}
    del environ["PROCTOREXAM_SECRET_KEY"]
    settings = resolve_settings(_context({"credentials_file": "pe.env"}, environ, tmp_path))
    assert (settings.credentials.token, settings.credentials.secret) == (TOKEN, "file-secret")


def test_bad_credentials_file(tmp_path: Path) -> None:
    environ = {"PROCTOREXAM_BASE_URL": "https://acme.proctorexam.com/api/v3"}
    with pytest.raises(SettingsError, match="cannot read the credentials file"):
        resolve_settings(_context({"credentials_file": "nope.env"}, environ, tmp_path))
    (tmp_path / "bad.env").write_text(f"{SECRET}\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"bad.env:1: expected KEY=value") as info:
        resolve_settings(_context({"credentials_file": "bad.env"}, environ, tmp_path))
    assert SECRET not in str(info.value)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/api/v3",
        "http://127.1.2.3/api/v3",
        "http://localhost:9000/api/v3",
        "http://[::1]:9000/api/v3",
        "https://acme.proctorexam.com/api/v3",
    ],
)
def test_allowed_urls(url: str) -> None:
    assert resolve_settings(_context({}, {**ENV, "PROCTOREXAM_BASE_URL": url})).base_url == url


@pytest.mark.parametrize(
    "url",
    ["http://acme.proctorexam.com/api/v3", "http://10.0.0.5/api/v3", "http://localhost.evil.com/"],
)
def test_plain_http_to_another_host_is_refused(url: str) -> None:
    with pytest.raises(SettingsError, match="refusing plain http://"):
        resolve_settings(_context({}, {**ENV, "PROCTOREXAM_BASE_URL": url}))
    allowed = resolve_settings(
        _context({"allow_insecure_http": True}, {**ENV, "PROCTOREXAM_BASE_URL": url})
    )
    assert allowed.allow_insecure_http


@pytest.mark.parametrize("url", ["ftp://acme.proctorexam.com", "acme.proctorexam.com", "https://"])
def test_not_an_http_url(url: str) -> None:
    with pytest.raises(SettingsError, match="must be an http\\(s\\) URL"):
        resolve_settings(_context({}, {**ENV, "PROCTOREXAM_BASE_URL": url}))


def test_credentials_in_the_url_are_refused() -> None:
    url = "https://me:pw@acme.proctorexam.com/api/v3"
    with pytest.raises(SettingsError, match="must not hold a user name or password") as info:
        resolve_settings(_context({}, {**ENV, "PROCTOREXAM_BASE_URL": url}))
    assert "pw" not in str(info.value)


def test_is_loopback() -> None:
    assert is_loopback("LOCALHOST")
    assert is_loopback("127.0.0.1")
    assert is_loopback("::1")
    assert not is_loopback("128.0.0.1")
    assert not is_loopback("example.com")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PROCTOREXAM_API_TOKEN", "tok en"),
        ("PROCTOREXAM_API_TOKEN", "token\n"),
        ("PROCTOREXAM_SECRET_KEY", "secret\r\n"),
    ],
)
def test_credentials_with_stray_characters_are_refused(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=f"{name} holds") as info:
        resolve_settings(_context({}, {**ENV, name: value}))
    assert value.strip() not in str(info.value)
