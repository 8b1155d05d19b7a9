"""What the ProctorExam client says when a request fails for good.

The toolkit's :class:`~reconciler.http.Messages`, told where the ProctorExam settings live and
how the service's error bodies read (:func:`~reconciler_proctorexam.api_errors.error_for_response`),
and which of our readings of the contract (``READINGS``) may explain a refusal.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from reconciler import ProviderError
from reconciler.http import Call, Messages
from reconciler_proctorexam.api_errors import error_for_response
from reconciler_proctorexam.config import BASE_URL_VAR, CA_BUNDLE_VAR, ClientSettings

__all__ = ["ProctorExamMessages"]

_TABLE = "[providers.proctorexam]"


class ProctorExamMessages(Messages):
    """Messages that name the ProctorExam settings; ``proxy`` is the proxy as shown."""

    def __init__(self, settings: ClientSettings, *, proxy: str | None) -> None:
        super().__init__(
            settings.host,
            timeout=settings.timeout,
            connect_timeout=settings.connect_timeout,
            proxy=proxy,
            base_url_setting=BASE_URL_VAR,
            ca_setting=(
                f"{CA_BUNDLE_VAR}, ca_bundle under {_TABLE}, or REQUESTS_CA_BUNDLE / SSL_CERT_FILE"
            ),
        )
        self.settings = settings

    def refused(self, response: httpx.Response, call: Call, attempts: int) -> Exception:
        return error_for_response(
            response,
            what=call.what,
            address=call.address,
            secrets=call.secrets,
            attempts=attempts,
            hint=self.reading_hint(call.method, response.status_code, call.params),
            # A root collection always exists: a 404 there is a wrong base URL.
            collection=call.collection,
        )

    def not_json(self, response: httpx.Response, call: Call) -> Exception:
        return ProviderError(
            f"{response.request.url.host} answered {call.what} with {response.status_code} but"
            f" the body is not JSON; is {BASE_URL_VAR} the API address (ending in /api/v3)?",
            address=call.address,
        )

    def reading_hint(self, method: str, status: int, params: Mapping[str, Any]) -> str:
        """Which switchable reading (``READINGS``) may explain a refusal; "" when none."""
        if status == 405 and method in ("PATCH", "PUT"):
            other = "PUT" if method == "PATCH" else "PATCH"
            return (
                f"The update verb is our reading: if the service updates with {other}, set"
                f' update_method = "{other}" under {_TABLE}'
                " (reconciler doctor --write-probe NAME checks the verb)."
            )
        if status in (400, 415) and method == "DELETE":
            other = "body" if self.settings.delete_params == "query" else "query"
            return (
                "Where a DELETE's parameters travel is our reading: if the service wants them in"
                f' the {other}, set delete_params = "{other}" under {_TABLE}.'
            )
        if status == 401 and any(isinstance(v, list | tuple) for v in params.values()):
            other = "json" if self.settings.list_rendering == "ruby" else "ruby"
            return (
                "This request carried a list, and how a list is signed is our reading: if"
                f' requests without lists pass, set list_rendering = "{other}" under {_TABLE}'
                " (reconciler doctor tells which one the service expects)."
            )
        return ""
