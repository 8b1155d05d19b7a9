"""The client on a hostile or broken network: each failure bounded, named, and not retried
when retrying cannot help. Small servers in the test stand in for what the sandbox cannot be
(a TLS endpoint, an endless answer, a proxy that is not there)."""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import trustme

from reconciler.errors import SettingsError, TransportError
from reconciler.records import ProviderContext
from reconciler_proctorexam.client import ProctorExamClient
from reconciler_proctorexam.config import ClientSettings, resolve_settings
from reconciler_proctorexam.sandbox import Faults
from reconciler_proctorexam.testing import SandboxFactory

SettingsFor = Callable[..., ClientSettings]


def _list(settings: ClientSettings) -> list[dict[str, Any]]:
    async def work() -> list[dict[str, Any]]:
        async with ProctorExamClient(settings) as client:
            return await client.list_institutes()

    return asyncio.run(work())


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    endless = False

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("content-type", "application/json")
        if not self.endless:
            body = b'{"institutes": []}'
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        chunk = b" " * 65536
        try:
            for _ in range(5000):  # 300 MB if nobody stops reading
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except OSError:
            self.sent = "stopped"


@contextmanager
def _server(*, tls: ssl.SSLContext | None = None, endless: bool = False) -> Iterator[str]:
    handler = type("Handler", (_Handler,), {"endless": endless})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    scheme = "https" if tls is not None else "http"
    try:
        yield f"{scheme}://127.0.0.1:{server.server_address[1]}/api/v3"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls_server(ca: trustme.CA) -> Iterator[str]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    with _server(tls=context) as url:
        yield url


def test_a_server_dripping_its_answer_is_cut_off_by_the_whole_request_timeout(
    proctorexam_sandbox_factory: SandboxFactory, settings_for: SettingsFor
) -> None:
    sandbox = proctorexam_sandbox_factory(
        seed=[{"name": f"I {n}", "short_name": f"i{n}"} for n in range(20)],
        faults=Faults(rate_drip=1.0, drip_interval=0.02),
    )
    settings = settings_for(sandbox.base_url, timeout=0.3, max_retries=1)
    with pytest.raises(TransportError, match=r"no complete answer within 0.3s .*2 attempts"):
        _list(settings)


def test_an_unknown_host_fails_at_once_naming_it(settings_for: SettingsFor) -> None:
    settings = settings_for("https://no-such-host.invalid/api/v3", max_retries=5)
    with pytest.raises(TransportError) as info:
        _list(settings)
    message = str(info.value)
    assert "cannot resolve the host name 'no-such-host.invalid'" in message
    assert "not retried" in message


def test_an_untrusted_certificate_fails_at_once_naming_it(
    tls_server: str, settings_for: SettingsFor
) -> None:
    with pytest.raises(TransportError) as info:
        _list(settings_for(tls_server, max_retries=5))
    message = str(info.value)
    assert "the TLS certificate of 127.0.0.1:" in message
    assert "could not be verified" in message
    assert "ca_bundle" in message
    assert "not retried" in message


def test_a_ca_bundle_from_the_settings_or_the_environment_is_trusted(
    tls_server: str, ca: trustme.CA, tmp_path: Path
) -> None:
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    base = {
        "PROCTOREXAM_BASE_URL": tls_server,
        "PROCTOREXAM_API_TOKEN": "t0ken-for-tls",
        "PROCTOREXAM_SECRET_KEY": "s3cret-for-tls",
    }
    for options, environ in (
        ({"ca_bundle": "ca.pem"}, base),
        ({}, {**base, "REQUESTS_CA_BUNDLE": str(bundle)}),
        ({}, {**base, "SSL_CERT_FILE": str(bundle)}),
    ):
        context = ProviderContext(
            options={"max_retries": 0, **options}, environ=environ, base_dir=tmp_path
        )
        settings = resolve_settings(context)
        assert settings.ca_bundle == bundle
        assert _list(settings) == []


def test_a_ca_bundle_that_is_not_there_is_a_settings_error(tmp_path: Path) -> None:
    context = ProviderContext(
        options={},
        environ={
            "PROCTOREXAM_BASE_URL": "https://acme.proctorexam.com/api/v3",
            "PROCTOREXAM_API_TOKEN": "t",
            "PROCTOREXAM_SECRET_KEY": "s",
            "REQUESTS_CA_BUNDLE": str(tmp_path / "missing.pem"),
        },
        base_dir=tmp_path,
    )
    with pytest.raises(SettingsError, match=r"missing.pem \(from REQUESTS_CA_BUNDLE\)"):
        resolve_settings(context)


def test_an_answer_larger_than_the_cap_is_refused_unread(settings_for: SettingsFor) -> None:
    with _server(endless=True) as url:
        settings = settings_for(url, max_response_bytes=1024 * 1024, max_retries=3)
        with pytest.raises(TransportError, match=r"more than max_response_bytes \(1,048,576"):
            _list(settings)


def test_a_declared_length_above_the_cap_is_refused_before_reading(
    proctorexam_sandbox_factory: SandboxFactory, settings_for: SettingsFor
) -> None:
    sandbox = proctorexam_sandbox_factory(
        seed=[{"name": f"I {n}", "short_name": f"i{n}"} for n in range(50)]
    )
    with pytest.raises(TransportError, match="refused without reading it"):
        _list(settings_for(sandbox.base_url, max_response_bytes=2048))
    # The client hung up after the headers: stopping waits for the server to finish its side.
    sandbox.stop()
    assert len(sandbox.requests) == 1


def test_a_proxy_that_cannot_be_reached_is_named_without_its_password(
    settings_for: SettingsFor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://ci-user:pr0xy-passw0rd@127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    settings = settings_for("https://acme.proctorexam.com/api/v3", max_retries=0)
    with pytest.raises(TransportError) as info:
        _list(settings)
    message = str(info.value)
    assert "proxy http://127.0.0.1:9" in message
    assert "pr0xy-passw0rd" not in message
    assert "ci-user" not in message


def test_requests_to_a_remote_service_go_through_the_environments_proxy(
    proctorexam_sandbox_factory: SandboxFactory,
    settings_for: SettingsFor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The sandbox stands in for the proxy: it logs the absolute URL a proxy is sent.
    proxy = proctorexam_sandbox_factory()
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    settings = settings_for("http://acme.proctorexam.invalid/api/v3", max_retries=0)
    with pytest.raises(SettingsError, match="has no /institutes"):  # the stand-in: no such route
        _list(settings)
    assert [r.path for r in proxy.requests] == ["http://acme.proctorexam.invalid/api/v3/institutes"]
