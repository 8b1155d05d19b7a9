"""Connection settings for the ProctorExam API, resolved from a :class:`ProviderContext`.

Where each setting comes from:

- ``base_url``: the environment variable ``PROCTOREXAM_BASE_URL``, else ``base_url`` in the
  provider's table of the project settings. The environment wins so that ``--sandbox`` (which
  sets the variable) can never be overridden by a settings file pointing at production.
- the API token and secret key: only ``PROCTOREXAM_API_TOKEN`` / ``PROCTOREXAM_SECRET_KEY`` in
  the environment, or a credentials file the settings name (``credentials_file``, relative to
  the project directory). Secrets never live in the settings file itself.
- ``timeout`` (seconds for a whole request: connecting, sending and the complete answer),
  ``connect_timeout`` (seconds to open a connection), ``max_retries``, ``rate_limit``
  (requests per second, none by default), ``backoff`` and ``backoff_cap`` (seconds),
  ``max_retry_after`` (seconds), ``max_response_bytes`` (a larger answer is refused unread),
  ``allow_insecure_http``: from the settings table; ``parallelism`` from the context.
- ``ca_bundle``: a PEM file of the certificate authorities to trust (relative to the project
  directory), from the settings table, else ``REQUESTS_CA_BUNDLE``, else ``SSL_CERT_FILE``;
  without one, the system's store.
- ``update_method``, ``delete_params``, ``list_rendering``, ``user_password``: the readings of
  the contract a user can switch (:data:`READINGS`), from the settings table; ``reconciler
  doctor`` says which.

The credentials file holds ``KEY=value`` lines, as a shell or a ``.env`` file would::

    # ~/.config/proctorexam/credentials (keep it readable by you only)
    PROCTOREXAM_API_TOKEN=...
    PROCTOREXAM_SECRET_KEY=...

Blank lines and ``#`` comments are ignored; a value may be wrapped in single or double quotes.
A variable set in the environment wins over the file.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from reconciler import ProviderContext, SettingsError
from reconciler_proctorexam.user import UsersApi

__all__ = [
    "BASE_URL_VAR",
    "CA_BUNDLE_VAR",
    "OPTIONS_SCHEMA",
    "READINGS",
    "SECRET_KEY_VAR",
    "TOKEN_VAR",
    "ClientSettings",
    "Credentials",
    "check_readings",
    "is_loopback",
    "resolve_settings",
    "tenant_url",
]

BASE_URL_VAR = "PROCTOREXAM_BASE_URL"
#: The tool's own CA bundle variable: it wins over the settings' ``ca_bundle``, so that
#: ``--sandbox --tls`` (which sets it to the sandbox's throw-away authority) works in a project
#: that names its corporate bundle.
CA_BUNDLE_VAR = "PROCTOREXAM_CA_BUNDLE"
#: Where a CA bundle may come from when the settings name none, in this order.
CA_BUNDLE_VARS = ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE")
TOKEN_VAR = "PROCTOREXAM_API_TOKEN"
SECRET_KEY_VAR = "PROCTOREXAM_SECRET_KEY"

_WHERE = "[providers.proctorexam]"

#: The points of the contract that are our reading, not documented fact, and that a user can
#: switch in the settings table: each option's accepted values, the default first.
#: ``update_method``: the verb of an institute update (PATCH is what one public client sends).
#: ``delete_params``: where a DELETE's parameters travel (a Rails server merges both).
#: ``list_rendering``: how a list is written in the string to sign (see ``signing.py``).
#: ``user_password``: when a user's create needs a password (``UsersApi.PASSWORD_READINGS``;
#: the default, ``required``, is the docs' own word).
READINGS: Mapping[str, tuple[str, ...]] = {
    "update_method": ("PATCH", "PUT"),
    "delete_params": ("query", "body"),
    "list_rendering": ("ruby", "json"),
    "user_password": UsersApi.PASSWORD_READINGS,
}


@dataclass(frozen=True, slots=True)
class Credentials:
    """The API token and secret key. Neither ever appears in a ``repr`` or ``str``."""

    token: str = field(repr=False)
    secret: str = field(repr=False)
    source: str = "the environment"

    def __str__(self) -> str:
        return f"ProctorExam credentials from {self.source}"


@dataclass(frozen=True, slots=True)
class ClientSettings:
    """Everything the API client needs; the defaults suit a real, remote service."""

    base_url: str
    credentials: Credentials
    timeout: float = 30.0
    connect_timeout: float = 10.0
    max_retries: int = 5
    rate_limit: float | None = None
    parallelism: int = 4
    backoff: float = 0.5
    backoff_cap: float = 20.0
    max_retry_after: float = 120.0
    max_response_bytes: int = 64 * 1024 * 1024
    allow_insecure_http: bool = False
    ca_bundle: Path | None = None
    # Our readings of the contract (READINGS); the client uses each in one place.
    update_method: str = "PATCH"
    delete_params: str = "query"
    list_rendering: str = "ruby"
    user_password: str = UsersApi.PASSWORD_READINGS[0]

    @property
    def host(self) -> str:
        """``host[:port]`` of the base URL, as messages name the service."""
        parts = urlsplit(self.base_url)
        return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)


def resolve_settings(context: ProviderContext) -> ClientSettings:
    """Build the client settings, or raise a :class:`SettingsError` that says what to set."""
    options = context.options
    environ = context.environ
    allow_insecure = _bool_option(options, "allow_insecure_http", False)
    base_url = environ.get(BASE_URL_VAR) or _str_option(options, "base_url")
    if not base_url:
        raise SettingsError(
            f"no ProctorExam API address: set {BASE_URL_VAR} (for example"
            " https://<environment>.proctorexam.com/api/v3) or base_url under"
            f" {_WHERE} in the project settings."
        )
    base_url = check_base_url(base_url.rstrip("/"), allow_insecure_http=allow_insecure)
    parallelism = context.parallelism
    if isinstance(parallelism, bool) or not isinstance(parallelism, int) or parallelism < 1:
        raise SettingsError(
            f"parallelism must be a whole number of at least 1, not {parallelism!r}."
        )
    # Only the options the user set are passed: the defaults live in ClientSettings alone.
    numbers: dict[str, Any] = {
        name: _number_option(options, name, minimum=minimum, integer=integer)
        for name, (minimum, integer) in _NUMBER_OPTIONS.items()
        if options.get(name) is not None
    }
    problems = check_readings(options)
    if problems:
        raise SettingsError(" ".join(problems))
    readings = {name: options[name] for name in READINGS if options.get(name) is not None}
    return ClientSettings(
        base_url=base_url,
        credentials=_credentials(options, environ, context.base_dir),
        parallelism=parallelism,
        allow_insecure_http=allow_insecure,
        ca_bundle=_ca_bundle(options, environ, context.base_dir),
        **numbers,
        **readings,
    )


def _ca_bundle(
    options: Mapping[str, Any], environ: Mapping[str, str], base_dir: Path
) -> Path | None:
    """The CA bundle to verify the service with: ``PROCTOREXAM_CA_BUNDLE``, else the settings'
    ``ca_bundle``, else the environment's generic variables; None for the system's store. A
    bundle that cannot be read is an error now, not a TLS failure later."""
    option = _str_option(options, "ca_bundle")
    if environ.get(CA_BUNDLE_VAR):
        source, value = CA_BUNDLE_VAR, environ[CA_BUNDLE_VAR]
    elif option:
        source, value = f"ca_bundle under {_WHERE}", option
    else:
        named = next(((var, environ[var]) for var in CA_BUNDLE_VARS if environ.get(var)), None)
        if named is None:
            return None
        source, value = named
    path = (base_dir / Path(value).expanduser()).resolve()
    if not path.is_file():
        raise SettingsError(
            f"the CA bundle {path} (from {source}) is not a readable file; point it at a PEM"
            " file of the certificate authorities to trust."
        )
    return path


def check_readings(options: Mapping[str, Any]) -> list[str]:
    """A message for each reading in ``options`` set to a value it does not accept.

    ``timestamp_window`` is refused with a pointer to the sandbox, the one place it applies.
    """
    problems = []
    for name, accepted in READINGS.items():
        value = options.get(name)
        if value is not None and value not in accepted:
            choices = " or ".join(f'"{a}"' for a in accepted)
            # The doctor checks lists read-only and the verb with --write-probe; not DELETE.
            hint = "" if name == "delete_params" else "; reconciler doctor tells which one"
            problems.append(f"{name} under {_WHERE} must be {choices}, not {value!r}{hint}.")
    if "timestamp_window" in options:
        # A reading of the contract too, but one only the server applies.
        problems.append(
            f"timestamp_window under {_WHERE} is not a client setting: the client always sends"
            " the current time, and the service decides what it accepts. The sandbox takes it:"
            " reconciler sandbox --timestamp-window SECONDS."
        )
    return problems


#: What a configuration's ``${env:NAME}`` may never read: this provider's own variables.
CREDENTIAL_VARIABLES: tuple[str, ...] = ("PROCTOREXAM_*",)


def tenant_url(context: ProviderContext) -> str | None:
    """The tenant a context points at: its base URL without user, query or trailing ``/``.

    A snapshot records it and a plan names it, so it never carries a credential; None when
    neither the environment nor the settings name one.
    """
    base_url = context.environ.get(BASE_URL_VAR) or _str_option(context.options, "base_url")
    if not base_url:
        return None
    parts = urlsplit(base_url.strip())
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    try:
        netloc = f"{host}:{parts.port}" if parts.port is not None else host
    except ValueError:  # not a port: connecting fails and says so
        return None
    return urlunsplit((parts.scheme.lower(), netloc, parts.path.rstrip("/"), "", ""))


def check_base_url(url: str, *, allow_insecure_http: bool) -> str:
    """Refuse anything but ``https://``, and ``http://`` to this machine (or when allowed).

    Plain HTTP would carry the token in clear; to the loopback interface (the sandbox) there is
    no one to read it. The host is not resolved: ``localhost`` and loopback addresses only.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(
            f"{BASE_URL_VAR} or base_url must be an http(s) URL such as"
            f" https://<environment>.proctorexam.com/api/v3, not {url!r}."
        )
    if parts.username is not None or parts.password is not None:
        raise SettingsError(
            f"{BASE_URL_VAR} or base_url must not hold a user name or password; the credentials"
            f" come from {TOKEN_VAR} and {SECRET_KEY_VAR}."
        )
    if parts.scheme == "http" and not allow_insecure_http and not is_loopback(parts.hostname):
        raise SettingsError(
            f"refusing plain http:// to {parts.hostname}: the API token would cross the network"
            " unencrypted. Use https://, or set allow_insecure_http = true under"
            f" {_WHERE} if you really mean it (plain http is always allowed to localhost)."
        )
    return url


def is_loopback(host: str) -> bool:
    """``localhost`` or an address in 127.0.0.0/8 or ``::1``."""
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _credentials(
    options: Mapping[str, Any], environ: Mapping[str, str], base_dir: Path
) -> Credentials:
    token = environ.get(TOKEN_VAR) or None
    secret = environ.get(SECRET_KEY_VAR) or None
    sources = ["the environment"] if token or secret else []
    file_option = _str_option(options, "credentials_file")
    if (token is None or secret is None) and file_option:
        path = (base_dir / Path(file_option).expanduser()).resolve()
        values = read_credentials_file(path)
        token = token or values.get(TOKEN_VAR) or None
        secret = secret or values.get(SECRET_KEY_VAR) or None
        sources.append(str(path))
    if token is None or secret is None:
        missing = [
            name for name, value in ((TOKEN_VAR, token), (SECRET_KEY_VAR, secret)) if not value
        ]
        where = f" or in the credentials file {file_option}" if file_option else ""
        raise SettingsError(
            f"missing ProctorExam credentials: set {' and '.join(missing)} in the environment"
            f"{where} (or name a credentials file with credentials_file under {_WHERE})."
        )
    # A stray newline from a copy and paste would otherwise surface deep in httpx, in an error
    # that quotes the header the token was in, or as a signature that never matches.
    if not token.isprintable() or any(ch.isspace() for ch in token):
        raise SettingsError(f"{TOKEN_VAR} holds spaces or control characters; copy it again.")
    if not secret.isprintable():
        raise SettingsError(f"{SECRET_KEY_VAR} holds control characters; copy it again.")
    return Credentials(token=token, secret=secret, source=" and ".join(sources))


def read_credentials_file(path: Path) -> dict[str, str]:
    """Read ``KEY=value`` lines. Errors name the file and line, never a value."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SettingsError(
            f"cannot read the credentials file {path}: {exc.strerror or exc}."
            " Check credentials_file in the project settings."
        ) from None
    values: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :].lstrip()
        name, sep, value = line.partition("=")
        if not sep or not name.strip():
            raise SettingsError(
                f"{path}:{number}: expected KEY=value (for example {TOKEN_VAR}=...)."
            )
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name.strip()] = value
    return values


def _str_option(options: Mapping[str, Any], name: str) -> str | None:
    value = options.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise SettingsError(f"{name} under {_WHERE} must be a string, not {type(value).__name__}.")
    return value


def _bool_option(options: Mapping[str, Any], name: str, default: bool) -> bool:
    value = options.get(name, default)
    if not isinstance(value, bool):
        raise SettingsError(f"{name} under {_WHERE} must be true or false, not {value!r}.")
    return value


#: The numeric options of the settings table: (least value, whole numbers only).
_NUMBER_OPTIONS: Mapping[str, tuple[float, bool]] = {
    "timeout": (0.001, False),
    "connect_timeout": (0.001, False),
    "max_retries": (0, True),
    "rate_limit": (0.001, False),
    "backoff": (0.0, False),
    "backoff_cap": (0.0, False),
    "max_retry_after": (0.0, False),
    "max_response_bytes": (1024, True),
}

_NUMBER_HELP: Mapping[str, str] = {
    "timeout": "Seconds to wait for each request.",
    "connect_timeout": "Seconds to wait for a connection.",
    "max_response_bytes": "The largest response body read, in bytes.",
    "max_retries": "Retries of a request that failed in a way worth retrying.",
    "rate_limit": "Requests per second at most (none by default).",
    "backoff": "Seconds before the first retry; doubled each time.",
    "backoff_cap": "Seconds between retries at most.",
    "max_retry_after": "The longest Retry-After (seconds) the client waits for.",
}

#: The JSON Schema of ``[providers.proctorexam]``: the one place the provider's options are
#: declared. ``validate`` checks the table against it (a typo, a wrong type or an out-of-range
#: value is a located error); a new option is a new property here.
OPTIONS_SCHEMA: Mapping[str, Any] = {
    "type": "object",
    "properties": {
        "base_url": {
            "description": f"The API address; {BASE_URL_VAR} wins over it.",
            "type": "string",
            "pattern": "^https?://",
        },
        "credentials_file": {
            "description": "A file of KEY=value lines with the token and secret key.",
            "type": "string",
            "minLength": 1,
        },
        "allow_insecure_http": {
            "description": "Allow plain http:// to a host other than this machine.",
            "type": "boolean",
        },
        "ca_bundle": {
            "description": "A PEM file of the certificate authorities to trust.",
            "type": "string",
            "minLength": 1,
        },
        # Refused by check_readings, which says where it belongs (the sandbox).
        "timestamp_window": {"description": "Not a client setting: see the sandbox's option."},
        # Our readings of the contract: their values are checked by check_readings, which
        # says how to find the right one.
        **{
            name: {"description": f"Our reading: one of {', '.join(accepted)}.", "type": "string"}
            for name, accepted in READINGS.items()
        },
        **{
            name: {
                "description": _NUMBER_HELP.get(name, ""),
                "type": "integer" if integer else "number",
                "minimum": minimum,
            }
            for name, (minimum, integer) in _NUMBER_OPTIONS.items()
        },
    },
    "additionalProperties": False,
}


def _number_option(
    options: Mapping[str, Any], name: str, *, minimum: float, integer: bool = False
) -> float | int:
    value = options[name]
    kind = "a whole number" if integer else "a number"
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or (integer and not isinstance(value, int))
    ):
        raise SettingsError(f"{name} under {_WHERE} must be {kind}, not {value!r}.")
    if value < minimum:
        raise SettingsError(f"{name} under {_WHERE} must be at least {minimum:g}, not {value!r}.")
    return int(value) if integer else float(value)
