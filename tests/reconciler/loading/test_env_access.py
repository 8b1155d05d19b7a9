"""What ``${env:NAME}`` may read, and an unset variable left for later rather than an error."""

from __future__ import annotations

from reconciler.loading.envaccess import EnvAccess
from reconciler.loading.references import referenced_names, resolve

ENV = {"PE_KEY": "pe-secret-1", "HOOK": "hook-secret-2", "PROCTOREXAM_SECRET_KEY": "tool-3"}


def test_an_unset_variable_is_named_not_failed_unless_required() -> None:
    lenient = resolve("https://x.example/?k=${env:UNSET}&h=${env:HOOK}", EnvAccess(ENV))
    assert lenient.failures == []
    assert lenient.unset == ["UNSET"]
    assert lenient.from_env is True  # HOOK was read
    strict = resolve("${env:UNSET}", EnvAccess(ENV, require=True))
    assert [f.message for f in strict.failures] == [
        "the environment variable UNSET is not set (referenced as ${env:UNSET}); export it"
        " before running"
    ]
    # A plain mapping requires every variable: a saved plan's values at apply time.
    assert resolve("${env:UNSET}", ENV).failures != []


def test_credentials_are_never_read_even_when_set() -> None:
    for access in (EnvAccess(ENV), EnvAccess(ENV, require=True), ENV):
        resolution = resolve("k=${env:PROCTOREXAM_SECRET_KEY}", access)
        assert "tool-3" not in str(resolution.value)
        (failure,) = resolution.failures
        assert failure.message.startswith(
            "${env:PROCTOREXAM_SECRET_KEY}: PROCTOREXAM_SECRET_KEY holds one of the tool's own"
            " credentials (PROCTOREXAM_*)"
        )
    assert resolve("${env:RECONCILER_PLAN_KEY}", EnvAccess(ENV)).failures != []


def test_declared_credentials_and_allow_patterns() -> None:
    access = EnvAccess(ENV, allow=("PE_*",), allow_source="reconciler.toml:2:1").with_credentials(
        ["HOOK"]
    )
    assert access.refusal("PE_KEY") is None
    assert access.refusal("HOOK") is not None
    assert "HOOK holds one of the tool's own credentials (HOOK)" in str(access.refusal("HOOK"))
    other = access.refusal("OTHER")
    assert other == (
        "OTHER is not among the variables this project may read (reconciler.toml:2:1: 'PE_*');"
        " add a pattern that matches it, or use an allowed variable"
    )
    assert EnvAccess(ENV, allow=()).refusal("PE_KEY") is not None  # an empty list allows none


def test_referenced_names() -> None:
    assert referenced_names(["${env:B}", {"k": "x${env:A}y$${env:C}"}, 3]) == ["A", "B"]
