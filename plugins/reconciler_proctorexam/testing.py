"""Pytest fixtures that run the ProctorExam sandbox, registered through ``pytest11``.

Installed with the package, so any project's tests (a plugin author's included) can use them
without a ``conftest.py``:

``proctorexam_sandbox``
    A running :class:`~reconciler_proctorexam.sandbox.Sandbox` for one test: no institutes, one
    superuser with ``DEFAULT_TOKEN``/``DEFAULT_SECRET``, no faults. ``sandbox.env()`` is the
    environment that points the provider at it::

        def test_plan_is_empty(proctorexam_sandbox, monkeypatch):
            for name, value in proctorexam_sandbox.env().items():
                monkeypatch.setenv(name, value)
            ...
            assert not any(r.is_write for r in proctorexam_sandbox.requests)

``proctorexam_sandbox_factory``
    Starts sandboxes with any of ``Sandbox``'s keyword arguments (seed, users, faults,
    state_file, timestamp_window, the readings update_method / delete_params /
    list_rendering, clock_offset, ...) and stops every one of them when the test ends::

        def test_retries(proctorexam_sandbox_factory):
            sandbox = proctorexam_sandbox_factory(faults=Faults(rate_429=0.5, seed=1))

        def test_put_updates(proctorexam_sandbox_factory):
            sandbox = proctorexam_sandbox_factory(update_method="PUT")  # PATCH answers 405
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol

import pytest

if TYPE_CHECKING:
    from reconciler_proctorexam.sandbox import Sandbox

__all__ = ["SandboxFactory", "proctorexam_sandbox", "proctorexam_sandbox_factory"]


class SandboxFactory(Protocol):
    """The ``proctorexam_sandbox_factory`` fixture: ``Sandbox``'s keyword arguments in."""

    def __call__(self, **kwargs: Any) -> Sandbox: ...


@pytest.fixture
def proctorexam_sandbox_factory() -> Iterator[SandboxFactory]:
    """Start sandboxes on demand; every one is stopped at the end of the test."""
    # Imported here so that merely loading this pytest plugin does not start a web stack.
    from reconciler_proctorexam.sandbox import Sandbox

    with contextlib.ExitStack() as stack:

        def start(**kwargs: Any) -> Sandbox:
            return stack.enter_context(Sandbox(**kwargs))

        yield start


@pytest.fixture
def proctorexam_sandbox(proctorexam_sandbox_factory: SandboxFactory) -> Sandbox:
    """A running, empty sandbox with the default superuser and no faults."""
    return proctorexam_sandbox_factory()
