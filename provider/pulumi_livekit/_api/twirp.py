"""Twirp over httpx: one request to LiveKit's SIP service (or another: `rooms`), and what its failure means.

`POST {base}/twirp/livekit.SIP/{Method}` with protobuf bodies from `livekit-protocol` and an
HS256 token with the `sip.admin` grant. A failure worth repeating is raised as `Retryable`,
marked with whether the request may have reached the server; any other is the API error of
its Twirp code (see `_exceptions`), its text scrubbed of secrets (see `redact`).
"""

from __future__ import annotations

import functools
import ssl
import urllib.request
import uuid
from typing import Any, Mapping, Optional, TypeVar

import httpx
from google.protobuf.message import Message

from .._exceptions import APIError, AuthenticationError, TransportError, api_error_class
from .auth import TokenSource
from .endpoint import Endpoint
from .redact import Scrubber, scrubbed
from .retry import DEADLINE_ENV, Retryable, within

M = TypeVar("M", bound=Message)

SERVICE = "livekit.SIP"
REQUEST_ID_HEADER = "X-Livekit-Request-Id"


class Twirp:
    """One LiveKit project's SIP service over one connection pool; thread-safe."""

    def __init__(self, connection: Endpoint, *, timeout: httpx.Timeout,
                 transport: Optional[httpx.BaseTransport] = None, service: str = SERVICE,
                 grants: Optional[Mapping[str, Any]] = None, scrub: Optional[Scrubber] = None) -> None:
        """`service` and the `grants` its token carries: the SIP service's unless told (`rooms` calls RoomService).
        `scrub` takes the secrets out of an error's text: by default the endpoint's API secret and tokens."""
        self.connection = connection
        self.scrub = scrub or (lambda text: scrubbed(text, [connection.api_secret]))
        self.base = connection.twirp_base
        self.service = service
        self._tokens = TokenSource(connection.api_key, connection.api_secret, grants=grants)
        # Each method's URL, parsed once: httpx parses a URL given as text again on every request.
        self._urls: dict[str, httpx.URL] = {}
        self._http = httpx.Client(
            timeout=timeout,
            verify=tls_verification(self.base),
            transport=transport,
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
        )

    @property
    def timeout(self) -> httpx.Timeout:
        return self._http.timeout

    def close(self) -> None:
        self._http.close()

    def call(self, method: str, request: Message, response_type: type[M], request_id: str, remaining: float) -> M:
        """One attempt, its timeouts cut to the `remaining` seconds of its operation."""
        url = self._urls.get(method)
        if url is None:
            url = self._urls[method] = httpx.URL(f"{self.base}/twirp/{self.service}/{method}")
        headers = {
            "Authorization": f"Bearer {self._tokens.token()}",
            "Content-Type": "application/protobuf",
            "Accept": "application/protobuf",
            REQUEST_ID_HEADER: request_id,
        }
        try:
            response = self._http.post(url, content=request.SerializeToString(), headers=headers,
                                       timeout=within(self._http.timeout, remaining))
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            refused = _refused_certificate(exc)
            if refused is not None:  # the same certificate again would be refused again
                raise self._certificate_error(method, refused) from exc
            # No connection was made (or none was free): the server cannot have seen the request.
            raise Retryable(self._transport_error(method, exc), sent=False) from exc
        except httpx.TransportError as exc:
            raise Retryable(self._transport_error(method, exc), sent=True) from exc
        if response.status_code == 200:
            return response_type.FromString(response.content)
        error = self._api_error(method, response)
        if response.status_code == 429 or (response.status_code >= 500 and response.status_code != 501):
            raise Retryable(error, sent=True)
        raise error

    def out_of_time(self, method: str, deadline: float) -> TransportError:
        """The error of an operation whose deadline ended before any attempt could be made."""
        return TransportError(
            f"{method}: gave up after the {deadline:g} s allowed to one operation ({DEADLINE_ENV})",
            rpc=method, url=self.base, code="deadline_exceeded")

    def _transport_error(self, method: str, exc: Exception) -> TransportError:
        timed_out = isinstance(exc, httpx.TimeoutException)
        return TransportError(
            f"{method}: connection to LiveKit at {self.base} {'timed out' if timed_out else 'failed'} "
            f"({type(exc).__name__}: {exc}). "
            "Check that the URL (livekit:url / LIVEKIT_URL) is right and the server is running.",
            rpc=method,
            url=self.base,
            code="deadline_exceeded" if timed_out else "unavailable",
        )

    def _certificate_error(self, method: str, refused: ssl.SSLCertVerificationError) -> TransportError:
        reason = (refused.verify_message or refused.reason or str(refused)).rstrip(".")
        if refused.verify_code in _NAME_MISMATCH:
            advice = "the certificate is for another host: check the URL (livekit:url / LIVEKIT_URL)"
        elif refused.verify_code in _UNKNOWN_ISSUER:
            advice = ("no certificate authority this machine trusts signed it: for a private one, point "
                      "SSL_CERT_FILE at its certificate (PEM)")
        else:
            advice = "check the server's certificate"
        return TransportError(f"{method}: LiveKit at {self.base} presented a TLS certificate that this machine "
                              f"refuses ({reason}); {advice}", rpc=method, url=self.base)

    def _api_error(self, method: str, response: httpx.Response) -> APIError:
        code, server_message = _parse_twirp_error(response)
        server_message = self.scrub(server_message)
        cls = api_error_class(code, response.status_code)
        if cls is AuthenticationError:
            message = (
                f"{method}: LiveKit at {self.base} rejected API key {self.connection.api_key!r} "
                f"({code}: {server_message}). Check livekit:apiKey / LIVEKIT_API_KEY and "
                "livekit:apiSecret / LIVEKIT_API_SECRET belong to the project at this URL, "
                "and that this machine's clock is correct."
            )
        else:
            message = f"{method}: LiveKit answered {code} (HTTP {response.status_code}): {server_message}"
        return cls(message, code=code, status=response.status_code, rpc=method, server_message=server_message)


# Twirp's codes for answers without a Twirp body: LiveKit's auth middleware answers a refused
# token in plain text, and so do proxies in front of it.
_CODES_BY_STATUS = {401: "unauthenticated", 403: "permission_denied", 404: "bad_route", 429: "resource_exhausted"}


def _parse_twirp_error(response: httpx.Response) -> tuple[str, str]:
    try:
        body = response.json()
        return str(body.get("code") or "unknown"), str(body.get("msg") or "")
    except ValueError:
        text = response.text.strip().replace("\n", " ")[:300]
        status = response.status_code
        code = _CODES_BY_STATUS.get(status, "unavailable" if status >= 500 else "unknown")
        return code, text or response.reason_phrase


# OpenSSL's X509_V_ERR_* codes for a certificate of another host (name or IP address), and for one whose
# chain ends at an authority the trust store lacks (unknown issuer, self-signed leaf or chain).
_NAME_MISMATCH = {62, 64}
_UNKNOWN_ISSUER = {2, 18, 19, 20, 21}


def _refused_certificate(exc: BaseException) -> Optional[ssl.SSLCertVerificationError]:
    """The certificate verification failure behind a failed connection, if that is what it was."""
    seen: Optional[BaseException] = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def new_request_id() -> str:
    return f"pulumi-livekit-{uuid.uuid4()}"


def tls_verification(base_url: str) -> ssl.SSLContext:
    """What a client verifies TLS with: the default trust, made once per process (loading the CA
    bundle costs tens of milliseconds with OpenSSL 3, more than the requests a command makes), unless
    the client can never open TLS.

    An http:// endpoint reached without a proxy never needs it; its context trusts no certificate, so
    that TLS, were it ever attempted, would fail instead of going unverified."""
    if base_url.startswith("http://") and not urllib.request.getproxies():
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    return _default_trust()


@functools.cache
def _default_trust() -> ssl.SSLContext:
    """httpx's default (certifi's bundle, or $SSL_CERT_FILE / $SSL_CERT_DIR), shared by every client."""
    return httpx.create_ssl_context()
