"""The tenant a ProctorExam context names: its API address, never with credentials."""

from __future__ import annotations

from reconciler.records import ProviderContext
from reconciler_proctorexam.provider import tenant


def test_the_environment_wins_and_credentials_in_the_url_are_never_shown() -> None:
    options = {"base_url": "https://acme.proctorexam.example/api/v3/"}
    assert tenant(ProviderContext(options, {})) == "https://acme.proctorexam.example/api/v3"
    environ = {"PROCTOREXAM_BASE_URL": "https://staging.example/api/v3"}
    assert tenant(ProviderContext(options, environ)) == "https://staging.example/api/v3"
    leaky = {"base_url": "https://user:hunter2@host.example:8443/api/v3"}
    assert tenant(ProviderContext(leaky, {})) == "https://host.example:8443/api/v3"
    assert tenant(ProviderContext({}, {})) == "(no base URL)"
