"""The tenant a saved plan records: the base URL, never a credential in it."""

from __future__ import annotations

import pytest

from reconciler.records import ProviderContext
from reconciler_proctorexam.provider import tenant


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("https://acme.proctorexam.com/api/v3/", "https://acme.proctorexam.com/api/v3"),
        ("https://user:pw@acme.example:8443/api/v3?k=s#f", "https://acme.example:8443/api/v3"),
        ("http://[::1]:9000/api/v3", "http://[::1]:9000/api/v3"),
        ("https://acme.example:notaport/api", None),
    ],
)
def test_the_tenant_is_the_base_url_without_credentials(url: str, named: str | None) -> None:
    context = ProviderContext(options={}, environ={"PROCTOREXAM_BASE_URL": url})
    assert tenant(context) == named


def test_the_settings_name_it_when_the_environment_does_not() -> None:
    context = ProviderContext(options={"base_url": "https://b.example/api/v3"}, environ={})
    assert tenant(context) == "https://b.example/api/v3"
    assert tenant(ProviderContext(options={}, environ={})) is None


def test_the_environment_wins_and_credentials_in_the_url_are_never_shown() -> None:
    options = {"base_url": "https://acme.proctorexam.example/api/v3/"}
    assert tenant(ProviderContext(options, {})) == "https://acme.proctorexam.example/api/v3"
    environ = {"PROCTOREXAM_BASE_URL": "https://staging.example/api/v3"}
    assert tenant(ProviderContext(options, environ)) == "https://staging.example/api/v3"
    leaky = {"base_url": "https://user:hunter2@host.example:8443/api/v3"}
    assert tenant(ProviderContext(leaky, {})) == "https://host.example:8443/api/v3"
