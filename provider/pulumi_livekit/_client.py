"""A thin synchronous Twirp client for LiveKit's SIP service.

`POST {base}/twirp/livekit.SIP/{Method}` with protobuf bodies from `livekit-protocol`.

Retries. Reads, updates (full replace) and deletes are safe to repeat and are retried
with jittered exponential backoff on connection errors, timeouts, 5xx and 429.
A create is different: the server may have stored the object even though its answer
was lost. A create therefore retries freely only when the request never left this
machine (connection refused). After an ambiguous failure it first looks for the
object it was creating, by content (`find_applied`), and adopts it when found; only
otherwise does it send the create again, with the same `X-Livekit-Request-Id`.
LiveKit refuses a second dispatch rule with the same trunk/number/PIN, so a create
applied late still cannot produce a duplicate: the repeat fails as a conflict, and
the client looks again and adopts the stored rule.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
import uuid
from typing import Callable, Iterable, Optional, TypeVar

import httpx
from google.protobuf.message import Message
from livekit.protocol import sip as sip_pb

from ._auth import TokenSource
from ._config import Endpoint
from ._exceptions import (
    APIError,
    AuthenticationError,
    ConfigurationError,
    InvalidArgumentError,
    NotFoundError,
    ResourceExhaustedError,
    TransportError,
    UnavailableError,
    api_error_class,
)
from ._redact import redact
from ._schema import canonical_from_message

log = logging.getLogger("pulumi_livekit")

M = TypeVar("M", bound=Message)

SERVICE = "livekit.SIP"
REQUEST_ID_HEADER = "X-Livekit-Request-Id"
PAGE_SIZE = 500


class RetryPolicy:
    def __init__(self, attempts: int = 5, base_delay: float = 0.2, max_delay: float = 3.0) -> None:
        self.attempts = attempts
        self.base_delay = base_delay
        self.max_delay = max_delay

    def delay(self, attempt: int) -> float:
        # Full jitter: concurrent retries spread out instead of hitting the server in waves.
        return random.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))


DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=15.0, write=15.0, pool=15.0)
TIMEOUT_ENV = "PULUMI_LIVEKIT_TIMEOUT"


def configured_timeout() -> httpx.Timeout:
    """`DEFAULT_TIMEOUT`, or every phase (connect, write, read, pool) set to $PULUMI_LIVEKIT_TIMEOUT seconds."""
    raw = os.environ.get(TIMEOUT_ENV, "").strip()
    if not raw:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(raw)
    except ValueError:
        seconds = float("nan")
    if not 0 < seconds < float("inf"):
        raise ConfigurationError(f"{TIMEOUT_ENV} must be a positive number of seconds, got {raw!r}", field="timeout")
    return httpx.Timeout(seconds)


class _Retryable(Exception):
    """Internal: an attempt failed in a way that may succeed if repeated."""

    def __init__(self, error: Exception, *, sent: bool) -> None:
        self.error = error
        # False when the request provably never reached the server (connect failed).
        self.sent = sent


class SIPClient:
    """Thread-safe client; one instance keeps one connection pool."""

    def __init__(
        self,
        connection: Endpoint,
        *,
        timeout: Optional[httpx.Timeout] = None,
        retry: Optional[RetryPolicy] = None,
        transport: Optional[httpx.BaseTransport] = None,
    ) -> None:
        timeout = configured_timeout() if timeout is None else timeout
        self.connection = connection
        self._base = connection.twirp_base
        self._tokens = TokenSource(connection.api_key, connection.api_secret)
        self._retry = retry or RetryPolicy()
        self._http = httpx.Client(
            timeout=timeout,
            transport=transport,
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "SIPClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- dispatch rules -------------------------------------------------------------

    def create_dispatch_rule(self, info: sip_pb.SIPDispatchRuleInfo) -> sip_pb.SIPDispatchRuleInfo:
        def find_applied() -> Optional[sip_pb.SIPDispatchRuleInfo]:
            return _find_same(self.list_dispatch_rules(trunk_ids=info.trunk_ids), info)

        return self._create(
            "CreateSIPDispatchRule",
            sip_pb.CreateSIPDispatchRuleRequest(dispatch_rule=info),
            sip_pb.SIPDispatchRuleInfo,
            find_applied,
        )

    def update_dispatch_rule(self, rule_id: str, info: sip_pb.SIPDispatchRuleInfo) -> sip_pb.SIPDispatchRuleInfo:
        request = sip_pb.UpdateSIPDispatchRuleRequest(sip_dispatch_rule_id=rule_id, replace=info)
        return self._call("UpdateSIPDispatchRule", request, sip_pb.SIPDispatchRuleInfo)

    def list_dispatch_rules(
        self, *, rule_ids: Iterable[str] = (), trunk_ids: Iterable[str] = ()
    ) -> list[sip_pb.SIPDispatchRuleInfo]:
        request = sip_pb.ListSIPDispatchRuleRequest(dispatch_rule_ids=list(rule_ids), trunk_ids=list(trunk_ids))
        return self._list("ListSIPDispatchRule", request, sip_pb.ListSIPDispatchRuleResponse, "sip_dispatch_rule_id")

    def get_dispatch_rule(self, rule_id: str) -> Optional[sip_pb.SIPDispatchRuleInfo]:
        """One List call filtered by ID; None when the rule does not exist."""
        request = sip_pb.ListSIPDispatchRuleRequest(dispatch_rule_ids=[rule_id])
        response = self._call("ListSIPDispatchRule", request, sip_pb.ListSIPDispatchRuleResponse)
        return next((r for r in response.items if r.sip_dispatch_rule_id == rule_id), None)

    def delete_dispatch_rule(self, rule_id: str) -> None:
        request = sip_pb.DeleteSIPDispatchRuleRequest(sip_dispatch_rule_id=rule_id)
        self._call("DeleteSIPDispatchRule", request, sip_pb.SIPDispatchRuleInfo)

    # ---- trunks ---------------------------------------------------------------------

    def create_inbound_trunk(self, info: sip_pb.SIPInboundTrunkInfo) -> sip_pb.SIPInboundTrunkInfo:
        def find_applied() -> Optional[sip_pb.SIPInboundTrunkInfo]:
            return _find_same(self.list_inbound_trunks(numbers=info.numbers), info)

        return self._create(
            "CreateSIPInboundTrunk",
            sip_pb.CreateSIPInboundTrunkRequest(trunk=info),
            sip_pb.SIPInboundTrunkInfo,
            find_applied,
        )

    def create_outbound_trunk(self, info: sip_pb.SIPOutboundTrunkInfo) -> sip_pb.SIPOutboundTrunkInfo:
        def find_applied() -> Optional[sip_pb.SIPOutboundTrunkInfo]:
            return _find_same(self.list_outbound_trunks(numbers=info.numbers), info)

        return self._create(
            "CreateSIPOutboundTrunk",
            sip_pb.CreateSIPOutboundTrunkRequest(trunk=info),
            sip_pb.SIPOutboundTrunkInfo,
            find_applied,
        )

    def update_inbound_trunk(self, trunk_id: str, info: sip_pb.SIPInboundTrunkInfo) -> sip_pb.SIPInboundTrunkInfo:
        request = sip_pb.UpdateSIPInboundTrunkRequest(sip_trunk_id=trunk_id, replace=info)
        return self._call("UpdateSIPInboundTrunk", request, sip_pb.SIPInboundTrunkInfo)

    def update_outbound_trunk(self, trunk_id: str, info: sip_pb.SIPOutboundTrunkInfo) -> sip_pb.SIPOutboundTrunkInfo:
        request = sip_pb.UpdateSIPOutboundTrunkRequest(sip_trunk_id=trunk_id, replace=info)
        return self._call("UpdateSIPOutboundTrunk", request, sip_pb.SIPOutboundTrunkInfo)

    def get_inbound_trunk(self, trunk_id: str) -> Optional[sip_pb.SIPInboundTrunkInfo]:
        return self._get_trunk("GetSIPInboundTrunk", sip_pb.GetSIPInboundTrunkRequest(sip_trunk_id=trunk_id),
                               sip_pb.GetSIPInboundTrunkResponse)

    def get_outbound_trunk(self, trunk_id: str) -> Optional[sip_pb.SIPOutboundTrunkInfo]:
        return self._get_trunk("GetSIPOutboundTrunk", sip_pb.GetSIPOutboundTrunkRequest(sip_trunk_id=trunk_id),
                               sip_pb.GetSIPOutboundTrunkResponse)

    def list_inbound_trunks(
        self, *, trunk_ids: Iterable[str] = (), numbers: Iterable[str] = ()
    ) -> list[sip_pb.SIPInboundTrunkInfo]:
        request = sip_pb.ListSIPInboundTrunkRequest(trunk_ids=list(trunk_ids), numbers=list(numbers))
        return self._list("ListSIPInboundTrunk", request, sip_pb.ListSIPInboundTrunkResponse, "sip_trunk_id")

    def list_outbound_trunks(
        self, *, trunk_ids: Iterable[str] = (), numbers: Iterable[str] = ()
    ) -> list[sip_pb.SIPOutboundTrunkInfo]:
        request = sip_pb.ListSIPOutboundTrunkRequest(trunk_ids=list(trunk_ids), numbers=list(numbers))
        return self._list("ListSIPOutboundTrunk", request, sip_pb.ListSIPOutboundTrunkResponse, "sip_trunk_id")

    def delete_trunk(self, trunk_id: str) -> None:
        self._call("DeleteSIPTrunk", sip_pb.DeleteSIPTrunkRequest(sip_trunk_id=trunk_id), sip_pb.SIPTrunkInfo)

    # ---- plumbing -------------------------------------------------------------------

    def _get_trunk(self, method: str, request: Message, response_type: type[Message]):
        try:
            return self._call(method, request, response_type).trunk
        except NotFoundError:
            return None

    def _list(self, method: str, request: Message, response_type: type[Message], id_field: str) -> list:
        """Follow `page.after_id` until a short page; servers that ignore paging answer everything at once."""
        items: dict[str, Message] = {}
        request.page.limit = PAGE_SIZE
        while True:
            page = self._call(method, request, response_type).items
            fresh = [item for item in page if getattr(item, id_field) not in items]
            for item in fresh:
                items[getattr(item, id_field)] = item
            if len(page) < PAGE_SIZE or not fresh:
                return list(items.values())
            request.page.after_id = getattr(page[-1], id_field)

    def _call(self, method: str, request: Message, response_type: type[M]) -> M:
        """An RPC that is safe to repeat: retried on any retryable failure."""
        request_id = _new_request_id()
        last: Optional[_Retryable] = None
        for attempt in range(self._retry.attempts):
            if attempt:
                time.sleep(self._retry.delay(attempt))
            try:
                return self._attempt(method, request, response_type, request_id)
            except _Retryable as failure:
                last = failure
                log.debug("%s attempt %d failed: %s", method, attempt + 1, failure.error)
        assert last is not None
        raise last.error

    def _create(
        self,
        method: str,
        request: Message,
        response_type: type[M],
        find_applied: Callable[[], Optional[M]],
    ) -> M:
        request_id = _new_request_id()
        maybe_applied = False
        last: Optional[_Retryable] = None
        for attempt in range(self._retry.attempts):
            if attempt:
                time.sleep(self._retry.delay(attempt))
            if maybe_applied:
                existing = (self._find_settled(find_applied) if _timed_out(last)
                            else self._find_quietly(find_applied))
                if existing is not None:
                    log.info("%s: adopting %s stored by an earlier attempt", method, _object_id(existing))
                    return existing
            try:
                return self._attempt(method, request, response_type, request_id)
            except _Retryable as failure:
                last = failure
                maybe_applied = maybe_applied or failure.sent
            except InvalidArgumentError:
                # A repeat of a create that the server applied late conflicts with itself.
                existing = self._find_quietly(find_applied) if maybe_applied else None
                if existing is not None:
                    return existing
                raise
        assert last is not None
        raise last.error

    def _find_quietly(self, find_applied: Callable[[], Optional[M]]) -> Optional[M]:
        try:
            return find_applied()
        except (TransportError, UnavailableError, ResourceExhaustedError):
            return None

    def _find_settled(self, find_applied: Callable[[], Optional[M]]) -> Optional[M]:
        """After a timed-out create, which may still be on its way to the server: look for it for as
        long again as the answer was awaited before sending it anew. LiveKit stores identical outbound
        trunks side by side, so a repeat sent while the first is still in flight would make a twin."""
        deadline = time.monotonic() + (self._http.timeout.read or 0.0)
        while True:
            existing = self._find_quietly(find_applied)
            if existing is not None or time.monotonic() >= deadline:
                return existing
            time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))

    def _attempt(self, method: str, request: Message, response_type: type[M], request_id: str) -> M:
        url = f"{self._base}/twirp/{SERVICE}/{method}"
        headers = {
            "Authorization": f"Bearer {self._tokens.token()}",
            "Content-Type": "application/protobuf",
            "Accept": "application/protobuf",
            REQUEST_ID_HEADER: request_id,
        }
        try:
            response = self._http.post(url, content=request.SerializeToString(), headers=headers)
        except httpx.ConnectError as exc:
            raise _Retryable(self._transport_error(method, exc), sent=False) from exc
        except httpx.TransportError as exc:
            raise _Retryable(self._transport_error(method, exc), sent=True) from exc
        if response.status_code == 200:
            return response_type.FromString(response.content)
        error = self._api_error(method, response)
        if response.status_code == 429 or (response.status_code >= 500 and response.status_code != 501):
            raise _Retryable(error, sent=True)
        raise error

    def _transport_error(self, method: str, exc: Exception) -> TransportError:
        timed_out = isinstance(exc, httpx.TimeoutException)
        return TransportError(
            f"{method}: connection to LiveKit at {self._base} {'timed out' if timed_out else 'failed'} "
            f"({type(exc).__name__}: {exc}). "
            "Check that the URL (livekit:url / LIVEKIT_URL) is right and the server is running.",
            rpc=method,
            url=self._base,
            code="deadline_exceeded" if timed_out else "unavailable",
        )

    def _api_error(self, method: str, response: httpx.Response) -> APIError:
        code, server_message = _parse_twirp_error(response)
        server_message = redact(server_message)
        cls = api_error_class(code, response.status_code)
        if cls is AuthenticationError:
            message = (
                f"{method}: LiveKit at {self._base} rejected API key {self.connection.api_key!r} "
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


def _timed_out(failure: Optional[_Retryable]) -> bool:
    return failure is not None and isinstance(failure.error, TransportError) and failure.error.code == "deadline_exceeded"


def _new_request_id() -> str:
    return f"pulumi-livekit-{uuid.uuid4()}"


def _object_id(message: Message) -> str:
    return getattr(message, "sip_dispatch_rule_id", "") or getattr(message, "sip_trunk_id", "")


def _find_same(candidates: Iterable[M], wanted: M) -> Optional[M]:
    """The candidate equal to `wanted` in the canonical form, which ignores IDs and timestamps and
    reads the server's "upgraded" spelling (`media` added, legacy `media_encryption` copied in)."""
    target = canonical_from_message(wanted)
    return next((c for c in candidates if canonical_from_message(c) == target), None)


_clients: dict[Endpoint, SIPClient] = {}
_clients_lock = threading.Lock()


def client_for(connection: Endpoint) -> SIPClient:
    """One pooled client per LiveKit project per process."""
    with _clients_lock:
        client = _clients.get(connection)
        if client is None:
            client = _clients[connection] = SIPClient(connection)
        return client
