"""The ``service`` fixture: a scripted JSON service on a real socket (:mod:`scripted_service`)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from scripted_service import Service


@pytest.fixture
def service() -> Iterator[Service]:
    server = Service()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
