"""Running the sandbox: uvicorn in a background thread, on a socket bound before it starts.

:class:`Sandbox` is what tests, the ``--sandbox`` option and ``reconciler sandbox`` use. It
binds the listening socket itself (port 0 picks a free one, known before the first request),
hands it to ``uvicorn.Server.run(sockets=[...])`` in a daemon thread, and returns once the
server says it has ``started``; it stops by setting ``should_exit``: uvicorn's public API only,
no subclass, none of its private parts. Everything a test inspects is a Python call on the
object (the state, the request log), never an HTTP request, so fault injection cannot touch it.

Example::

    with Sandbox(seed=[{"name": "ProctorExam", "short_name": "pe"}]) as sandbox:
        httpx.get(sandbox.base_url + "/institutes", ...)    # signed with DEFAULT_SECRET
        assert sandbox.institutes()[0]["short_name"] == "pe"
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn

from reconciler_proctorexam.sandbox.app import API_PREFIX, create_app
from reconciler_proctorexam.sandbox.auth import Authenticator, SandboxUser, UserRegistry
from reconciler_proctorexam.sandbox.defaults import DEFAULT_SECRET, DEFAULT_TOKEN
from reconciler_proctorexam.sandbox.errors import ApiError, SandboxError
from reconciler_proctorexam.sandbox.faults import (
    FaultMiddleware,
    Faults,
    silence_dropped_connections,
)
from reconciler_proctorexam.sandbox.fields import validate_write
from reconciler_proctorexam.sandbox.inflight import InFlight
from reconciler_proctorexam.sandbox.quirks import Quirks
from reconciler_proctorexam.sandbox.readings import ClockMiddleware, Readings
from reconciler_proctorexam.sandbox.requestlog import (
    RequestLog,
    RequestLogMiddleware,
    RequestRecord,
)
from reconciler_proctorexam.sandbox.seed import SeedSource
from reconciler_proctorexam.sandbox.store import InstituteStore, open_store
from reconciler_proctorexam.sandbox.tls import TlsFiles

__all__ = ["DEFAULT_SECRET", "DEFAULT_TOKEN", "Sandbox"]

_START_TIMEOUT = 10.0
_POLL = 0.001
#: How long stopping waits for the requests in flight (a dripping answer, say).
_GRACE = 5


def _bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket; with the protocol named, so that asyncio sets ``TCP_NODELAY``.

    asyncio only disables Nagle's algorithm on sockets whose ``proto`` is ``IPPROTO_TCP``, and
    accepted sockets inherit it from this one. Without it every answer written in two parts
    (headers, then body) waits for the client's delayed ACK: 40 ms per request.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise SandboxError(
            f"cannot listen on {host}:{port} ({exc.strerror}); choose another --port, or 0 for"
            " any free one"
        ) from None
    return sock


class Sandbox:
    """A running ProctorExam API emulator; use it as a context manager.

    ``seed`` is a JSON file, a list of institutes or None (empty); ``users`` defaults to one
    superuser with :data:`DEFAULT_TOKEN` and :data:`DEFAULT_SECRET`; ``state_file`` keeps the
    changes across restarts (and wins over the seed unless ``reset``); ``timestamp_window`` is
    the accepted clock skew in seconds; ``port`` 0 picks a free port; ``echo_requests`` is told
    one line per request. ``tls`` serves https with a certificate from a throw-away authority
    (:mod:`~reconciler_proctorexam.sandbox.tls`) whose file is :attr:`ca_file`. ``update_method``,
    ``delete_params`` and ``list_rendering`` choose the reading of the contract the sandbox
    enforces (and ``user_password``, when a user's create needs a password), and
    ``clock_offset`` (seconds) moves its clock: see
    :mod:`~reconciler_proctorexam.sandbox.readings`. ``quirks`` make it drop fields from writes
    or leave them out of answers (:mod:`~reconciler_proctorexam.sandbox.quirks`).
    ``signature_status`` (401 or 403) is how it refuses a signature that does not match.
    """

    def __init__(
        self,
        *,
        seed: SeedSource = None,
        users: Iterable[SandboxUser] | None = None,
        faults: Faults | None = None,
        state_file: str | os.PathLike[str] | None = None,
        reset: bool = False,
        timestamp_window: float = 300.0,
        update_method: str = "PATCH",
        delete_params: str = "query",
        list_rendering: str = "ruby",
        clock_offset: float = 0.0,
        user_password: str = "without_identity_provider",
        quirks: Quirks | None = None,
        signature_status: int = 401,
        host: str = "127.0.0.1",
        port: int = 0,
        echo_requests: Callable[[str], None] | None = None,
        tls: bool = False,
    ) -> None:
        self.host = host
        self.tls = tls
        self._tls_files: TlsFiles | None = None
        self._echo = echo_requests
        self._requested_port = port
        self._seed = seed
        self._state_file = state_file
        self._reset = reset
        given = list(users) if users is not None else [SandboxUser(DEFAULT_TOKEN, DEFAULT_SECRET)]
        self._users = UserRegistry(given)
        self._first_user = given[0] if given else None
        self.readings = Readings(
            update_method, delete_params, list_rendering, clock_offset, user_password
        )
        self.quirks = quirks or Quirks()
        self._authenticator = Authenticator(
            self._users,
            timestamp_window=timestamp_window,
            clock_ms=self.readings.now_ms,
            list_rendering=list_rendering,
            signature_status=signature_status,
        )
        self._initial_faults = faults or Faults()
        self._log = RequestLog()
        self._store: InstituteStore | None = None
        self._faults: FaultMiddleware | None = None
        self._server: uvicorn.Server | None = None
        self._sock: socket.socket | None = None
        self._in_flight: InFlight | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None
        self.port = port

    # Life cycle --------------------------------------------------------------------------

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> Sandbox:
        """Open the store, bind the socket and serve; returns once requests are answered."""
        if self._thread is not None:
            raise RuntimeError("this sandbox is already running")
        # Before the store is opened (and its state file locked): nothing to undo if it fails.
        if self.tls and self._tls_files is None:
            self._tls_files = TlsFiles.create()
        try:
            self._store = open_store(self._seed, state_file=self._state_file, reset=self._reset)
            try:
                sock = _bind(self.host, self._requested_port)
            except SandboxError:
                self._store.close()
                raise
        except BaseException:
            self._forget_tls_files()
            raise
        self.port = sock.getsockname()[1]
        app = create_app(self._store, self._authenticator, self.readings, self.quirks)
        self._faults = FaultMiddleware(
            ClockMiddleware(app, self.readings), self._initial_faults, prefix=API_PREFIX
        )
        self._in_flight = InFlight(RequestLogMiddleware(self._faults, self._log, echo=self._echo))
        config = uvicorn.Config(
            self._in_flight,
            lifespan="off",
            loop="asyncio",
            # h11, not httptools (a third less CPU per request): only uvicorn's h11 protocol
            # gives the app an absolute-form target (GET http://host/path, what a proxy is
            # sent) whole, so that the sandbox refuses to answer for another host, and can
            # stand in for a proxy in a test.
            http="h11",
            ws="none",
            log_config=None,
            log_level="warning",
            access_log=False,
            proxy_headers=False,
            server_header=False,
            date_header=False,  # ClockMiddleware dates every answer, from the sandbox's clock
            timeout_graceful_shutdown=_GRACE,
            **self._tls_options(),
        )
        silence_dropped_connections()
        server = self._server = uvicorn.Server(config)
        self._sock = sock
        thread = self._thread = threading.Thread(
            target=self._serve, args=(server, sock), name="proctorexam-sandbox", daemon=True
        )
        thread.start()
        # uvicorn says it has started with a flag only; its thread ends if it cannot start.
        deadline = time.monotonic() + _START_TIMEOUT
        while not server.started and thread.is_alive() and time.monotonic() < deadline:
            thread.join(_POLL)
        if not server.started:
            sock.close()
            self.stop()
            raise SandboxError(f"the sandbox did not start: {self._failure!r}")
        return self

    def _tls_options(self) -> dict[str, Any]:
        files = self._tls_files
        if files is None:
            return {}
        return {"ssl_certfile": str(files.cert_file), "ssl_keyfile": str(files.key_file)}

    def _serve(self, server: uvicorn.Server, sock: socket.socket) -> None:
        try:
            asyncio.run(self._serving(server, sock))
        except BaseException as exc:  # a failed start is reported by start()
            self._failure = exc
        finally:
            sock.close()

    async def _serving(self, server: uvicorn.Server, sock: socket.socket) -> None:
        self._loop = asyncio.get_running_loop()
        await server.serve(sockets=[sock])

    def stop(self) -> None:
        """Stop serving, wait for requests in flight, and save the state; idempotent.

        Returns once the port is closed, the idle connections too, and every request in
        flight is answered (see :mod:`~reconciler_proctorexam.sandbox.inflight`).
        """
        server, thread, sock = self._server, self._thread, self._sock
        if server is not None and thread is not None and sock is not None:
            server.should_exit = True
            # uvicorn's first step on exit closes the socket it was given, then every idle
            # connection, in one turn of its loop. Should a release not close it, the wait
            # lasts until its thread ends: slower, never wrong.
            while sock.fileno() != -1 and thread.is_alive():
                thread.join(_POLL)
            self._next_turn(thread)
            if self._in_flight is not None:
                self._in_flight.drain(_GRACE)
            if self._faults is not None:
                self._faults.close()
        if self._store is not None:
            self._store.close()
        self._forget_tls_files()
        self._server = self._thread = self._sock = self._loop = None

    def _next_turn(self, thread: threading.Thread) -> None:
        """Wait for the server's loop to finish its current turn (the idle connections it
        has just closed are then closed on the socket too), or for its thread to end."""
        loop = self._loop
        if loop is None:
            return
        turned = threading.Event()
        with contextlib.suppress(RuntimeError):  # the loop has closed: nothing is left to wait
            loop.call_soon_threadsafe(turned.set)
            while not turned.wait(_POLL) and thread.is_alive():
                pass

    def _forget_tls_files(self) -> None:
        if self._tls_files is not None:
            self._tls_files.remove()
            self._tls_files = None

    @property
    def running(self) -> bool:
        """Whether the server thread is serving (False once stopped, or if it died)."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>/api/v3`` (``https`` with ``tls``): what
        ``PROCTOREXAM_BASE_URL`` should be."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{host}:{self.port}{API_PREFIX}"

    @property
    def ca_file(self) -> Path | None:
        """The certificate of the authority a client must trust (with ``tls``, while running)."""
        return self._tls_files.ca_file if self._tls_files is not None else None

    def env(self, user: SandboxUser | None = None) -> dict[str, str]:
        """The environment that points the provider at this sandbox, as ``user``.

        ``user`` defaults to the first user the sandbox was given.
        """
        chosen = user or self._first_user
        if chosen is None:
            raise ValueError("this sandbox has no users; add one with add_user()")
        env = {
            "PROCTOREXAM_BASE_URL": self.base_url,
            "PROCTOREXAM_API_TOKEN": chosen.token,
            "PROCTOREXAM_SECRET_KEY": chosen.secret,
        }
        if self.ca_file is not None:
            # The client trusts this run's authority, and only for this run: nothing else of
            # its TLS settings changes, and verification stays on.
            env["PROCTOREXAM_CA_BUNDLE"] = str(self.ca_file)
        return env

    # Inspection and control (Python calls: never logged, never faulted) -----------------

    def _running_store(self) -> InstituteStore:
        if self._store is None:
            raise RuntimeError("the sandbox is not running; use it as a context manager")
        return self._store

    def institutes(self) -> list[dict[str, Any]]:
        """A snapshot of every institute the server holds, in id order (copies: edit freely)."""
        return self._running_store().snapshot()

    def institute_users(self) -> list[dict[str, Any]]:
        """Every user of every institute as stored (``institute_id`` and credentials included)."""
        return self._running_store().users()

    def change_institute_user(self, user_id: int, values: Mapping[str, Any]) -> dict[str, Any]:
        """Change any field of a user behind the clients' back (drift, even of a role)."""
        changed = self._running_store().set_user_fields(user_id, values)
        if changed is None:
            raise KeyError(user_id)
        return changed

    def add_user(self, token: str, secret: str, *, institute_id: int | None = None) -> SandboxUser:
        """Let another user in: a superuser, or the administrator of ``institute_id``."""
        user = SandboxUser(token, secret, institute_id)
        self._users.add(user)
        if self._first_user is None:
            self._first_user = user
        return user

    def add_institute(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Create an institute as if a client had, without HTTP; ``ValueError`` if refused."""
        try:
            return copy.deepcopy(self._running_store().create(validate_write(values)))
        except ApiError as exc:
            raise ValueError(str(exc)) from None

    def update_institute(self, institute_id: int, values: Mapping[str, Any]) -> dict[str, Any]:
        """Change an institute behind the clients' back (drift); ``KeyError`` if there is none."""
        store = self._running_store()
        current = store.get(institute_id)
        if current is None:
            raise KeyError(institute_id)
        try:
            updated = store.update(institute_id, validate_write(values, current=current))
        except ApiError as exc:
            raise ValueError(str(exc)) from None
        if updated is None:
            raise KeyError(institute_id)
        return copy.deepcopy(updated)

    def delete_institute(self, institute_id: int) -> None:
        """Delete an institute behind the clients' back; ``KeyError`` if there is none."""
        if not self._running_store().delete(institute_id):
            raise KeyError(institute_id)

    @property
    def faults(self) -> Faults:
        return self._faults.faults if self._faults is not None else self._initial_faults

    def set_faults(self, faults: Faults) -> None:
        """Inject other faults from now on (the random generator restarts from their seed)."""
        self._initial_faults = faults
        if self._faults is not None:
            self._faults.faults = faults

    @property
    def pending_commits(self) -> int:
        """Writes held back by the late-commit fault and not yet made."""
        return self._faults.pending_commits if self._faults is not None else 0

    def settle(self, timeout: float = 30.0) -> None:
        """Wait until every late commit has been made (``TimeoutError`` after ``timeout``)."""
        deadline = time.monotonic() + timeout
        while self.pending_commits:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.pending_commits} late commit(s) still pending")
            time.sleep(0.01)

    @property
    def requests(self) -> list[RequestRecord]:
        """Every request received so far, in the order they were answered."""
        return self._log.records()

    def clear_requests(self) -> None:
        self._log.clear()
