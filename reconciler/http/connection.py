"""How a client reaches a service: which proxy the environment names, and which certificates
it trusts. Each is computed once per client; messages name a proxy without its password."""

from __future__ import annotations

import ssl
import urllib.request
from pathlib import Path

import httpx

__all__ = ["is_http_proxy", "proxy_for", "shown_proxy", "tls_verify"]


def proxy_for(base_url: str) -> str | None:
    """The proxy the environment sends ``base_url`` through (``HTTPS_PROXY``, ``NO_PROXY``...),
    as it is set, credentials included: what the connections go through."""
    url = httpx.URL(base_url)
    proxies = urllib.request.getproxies_environment()
    proxy = proxies.get(url.scheme) or proxies.get("all")
    bypass = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]
    if not proxy or bypass(url.host, proxies):
        return None
    return proxy if "://" in proxy else f"http://{proxy}"


def is_http_proxy(proxy: str) -> bool:
    """Whether httpx can send requests through ``proxy`` (http or https, with a host)."""
    try:
        parsed = httpx.URL(proxy)
    except httpx.InvalidURL:
        return False
    return parsed.scheme in ("http", "https") and bool(parsed.host)


def shown_proxy(proxy: str) -> str:
    """The proxy as messages name it: its user and password removed."""
    try:
        parsed = httpx.URL(proxy)
    except httpx.InvalidURL:
        return "(the proxy set in the environment)"
    return str(parsed.copy_with(username=None, password=None))


def tls_verify(ca_bundle: Path | None) -> ssl.SSLContext | bool:
    """The system's certificate store (``True``), or only the CA bundle named."""
    if ca_bundle is None:
        return True
    return ssl.create_default_context(cafile=str(ca_bundle))
