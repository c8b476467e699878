"""A thin synchronous Twirp client for LiveKit's SIP service.

`POST {base}/twirp/livekit.SIP/{Method}` with protobuf bodies from `livekit-protocol`.

Retries. Every operation has one retry loop, bounded by a number of attempts and by an
overall deadline (`PULUMI_LIVEKIT_DEADLINE`, default 60 s), whichever ends first; each
request's own timeout is cut to what is left of the deadline. Reads, updates (full
replace) and deletes are safe to repeat and are retried with jittered exponential backoff
on connection errors, timeouts, 5xx and 429. A create is different: the server may have
stored the object even though its answer was lost. A create therefore repeats freely only
when the request never left this machine (connection refused, no connection or pool slot
in time). It first notes which identical objects exist already (one filtered List: LiveKit
stamps no creation time to tell them apart later), so that an object that was there before
(another stack's twin outbound trunk) is never taken over; a caller that already knows what
the server holds (a dispatch rule's check listed it) passes that instead, and no List is sent.
After an ambiguous failure it looks for the object it was creating, by content (`find_applied`,
one request, no retries of its own), and adopts it when found; only otherwise does it send the
create again, with the same `X-Livekit-Request-Id`. LiveKit refuses a second dispatch rule with the
same trunk/number/PIN, so a create applied late still cannot produce a duplicate rule: the
repeat fails as a conflict, and the client looks again and adopts the stored rule.
"""

from __future__ import annotations

import logging
import os
import random
import ssl
import threading
import time
import urllib.request
import uuid
from typing import Callable, Iterable, Optional, TypeVar

import httpx
from google.protobuf.message import Message
from livekit.protocol import sip as sip_pb

from ._auth import SIP_ADMIN, TokenSource
from ._config import Endpoint
from ._exceptions import (
    APIError,
    AuthenticationError,
    LiveKitError,
    ConfigurationError,
    InvalidArgumentError,
    NotFoundError,
    ResourceExhaustedError,
    TransportError,
    UnavailableError,
    api_error_class,
)
from ._redact import redact
from ._schema import OUTPUT_ONLY

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
DEFAULT_DEADLINE = 60.0
DEADLINE_ENV = "PULUMI_LIVEKIT_DEADLINE"


def _seconds_from_env(name: str, what: str) -> Optional[float]:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        seconds = float("nan")
    if not 0 < seconds < float("inf"):
        raise ConfigurationError(f"{name} must be a positive number of seconds, got {raw!r}", field=what)
    return seconds


def configured_timeout() -> httpx.Timeout:
    """`DEFAULT_TIMEOUT`, or every phase (connect, write, read, pool) set to $PULUMI_LIVEKIT_TIMEOUT seconds."""
    seconds = _seconds_from_env(TIMEOUT_ENV, "timeout")
    return DEFAULT_TIMEOUT if seconds is None else httpx.Timeout(seconds)


def configured_deadline() -> float:
    """Seconds one operation may take in all, retries included: $PULUMI_LIVEKIT_DEADLINE or 60."""
    seconds = _seconds_from_env(DEADLINE_ENV, "deadline")
    return DEFAULT_DEADLINE if seconds is None else seconds


class _Retryable(Exception):
    """Internal: an attempt failed in a way that may succeed if repeated."""

    def __init__(self, error: Exception, *, sent: bool) -> None:
        self.error = error
        # False when the request provably never reached the server (no connection was made).
        self.sent = sent


class _Operation:
    """The budget of one API operation: its attempts and its overall deadline."""

    def __init__(self, retry: RetryPolicy, deadline: float, *, attempts: Optional[int] = None) -> None:
        self.retry = retry
        self.attempts = retry.attempts if attempts is None else attempts
        self.deadline = deadline
        self.started = 0

    def once(self) -> "_Operation":
        """A single attempt within what is left of this operation's deadline."""
        return _Operation(self.retry, self.deadline, attempts=1)

    def again(self) -> "_Operation":
        """Another request with as many attempts as this one allows, within the same deadline."""
        return _Operation(self.retry, self.deadline, attempts=self.attempts)

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def next_attempt(self) -> bool:
        """Wait out the backoff before a repeat; False once the attempts or the time are used up."""
        if self.started >= self.attempts:
            return False
        if self.started:
            time.sleep(max(0.0, min(self.retry.delay(self.started), self.remaining())))
        if self.remaining() <= 0:
            return False
        self.started += 1
        return True


class SIPClient:
    """Thread-safe client; one instance keeps one connection pool."""

    # The Twirp service called and the grants its token carries (_rooms.RoomClient calls another).
    service = SERVICE
    grants = SIP_ADMIN

    def __init__(
        self,
        connection: Endpoint,
        *,
        timeout: Optional[httpx.Timeout] = None,
        retry: Optional[RetryPolicy] = None,
        deadline: Optional[float] = None,
        transport: Optional[httpx.BaseTransport] = None,
    ) -> None:
        timeout = configured_timeout() if timeout is None else timeout
        self.deadline = configured_deadline() if deadline is None else deadline
        self.connection = connection
        self._base = connection.twirp_base
        self._tokens = TokenSource(connection.api_key, connection.api_secret, grants=self.grants)
        self._retry = retry or RetryPolicy()
        self._http = httpx.Client(
            timeout=timeout,
            verify=_tls_for(self._base),
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

    def create_dispatch_rule(self, info: sip_pb.SIPDispatchRuleInfo, *,
                             known_before: Optional[Iterable[sip_pb.SIPDispatchRuleInfo]] = None
                             ) -> sip_pb.SIPDispatchRuleInfo:
        """`known_before`: the server's rules as the caller last saw them, if it did (else one filtered List)."""
        def find_applied(operation: _Operation) -> list[sip_pb.SIPDispatchRuleInfo]:
            return self.list_dispatch_rules(trunk_ids=info.trunk_ids, operation=operation)

        return self._create(
            "CreateSIPDispatchRule",
            sip_pb.CreateSIPDispatchRuleRequest(dispatch_rule=info),
            sip_pb.SIPDispatchRuleInfo,
            info,
            find_applied,
            known_before,
        )

    def update_dispatch_rule(self, rule_id: str, info: sip_pb.SIPDispatchRuleInfo) -> sip_pb.SIPDispatchRuleInfo:
        request = sip_pb.UpdateSIPDispatchRuleRequest(sip_dispatch_rule_id=rule_id, replace=info)
        return self._call("UpdateSIPDispatchRule", request, sip_pb.SIPDispatchRuleInfo)

    def list_dispatch_rules(
        self, *, rule_ids: Iterable[str] = (), trunk_ids: Iterable[str] = (), operation: Optional[_Operation] = None
    ) -> list[sip_pb.SIPDispatchRuleInfo]:
        request = sip_pb.ListSIPDispatchRuleRequest(dispatch_rule_ids=list(rule_ids), trunk_ids=list(trunk_ids))
        return self._list("ListSIPDispatchRule", request, sip_pb.ListSIPDispatchRuleResponse, "sip_dispatch_rule_id",
                          operation)

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
        def find_applied(operation: _Operation) -> list[sip_pb.SIPInboundTrunkInfo]:
            return self.list_inbound_trunks(numbers=info.numbers, operation=operation)

        return self._create(
            "CreateSIPInboundTrunk",
            sip_pb.CreateSIPInboundTrunkRequest(trunk=info),
            sip_pb.SIPInboundTrunkInfo,
            info,
            find_applied,
        )

    def create_outbound_trunk(self, info: sip_pb.SIPOutboundTrunkInfo) -> sip_pb.SIPOutboundTrunkInfo:
        def find_applied(operation: _Operation) -> list[sip_pb.SIPOutboundTrunkInfo]:
            return self.list_outbound_trunks(numbers=info.numbers, operation=operation)

        return self._create(
            "CreateSIPOutboundTrunk",
            sip_pb.CreateSIPOutboundTrunkRequest(trunk=info),
            sip_pb.SIPOutboundTrunkInfo,
            info,
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
        self, *, trunk_ids: Iterable[str] = (), numbers: Iterable[str] = (), operation: Optional[_Operation] = None
    ) -> list[sip_pb.SIPInboundTrunkInfo]:
        request = sip_pb.ListSIPInboundTrunkRequest(trunk_ids=list(trunk_ids), numbers=list(numbers))
        return self._list("ListSIPInboundTrunk", request, sip_pb.ListSIPInboundTrunkResponse, "sip_trunk_id", operation)

    def list_outbound_trunks(
        self, *, trunk_ids: Iterable[str] = (), numbers: Iterable[str] = (), operation: Optional[_Operation] = None
    ) -> list[sip_pb.SIPOutboundTrunkInfo]:
        request = sip_pb.ListSIPOutboundTrunkRequest(trunk_ids=list(trunk_ids), numbers=list(numbers))
        return self._list("ListSIPOutboundTrunk", request, sip_pb.ListSIPOutboundTrunkResponse, "sip_trunk_id", operation)

    def delete_trunk(self, trunk_id: str) -> None:
        self._call("DeleteSIPTrunk", sip_pb.DeleteSIPTrunkRequest(sip_trunk_id=trunk_id), sip_pb.SIPTrunkInfo)

    # ---- plumbing -------------------------------------------------------------------

    def _get_trunk(self, method: str, request: Message, response_type: type[Message]):
        try:
            return self._call(method, request, response_type).trunk
        except NotFoundError:
            return None

    def _list(self, method: str, request: Message, response_type: type[Message], id_field: str,
              operation: Optional[_Operation] = None) -> list:
        """Follow `page.after_id` until a short page; servers that ignore paging answer everything at once.
        Each page has the operation's attempts; all of them share its deadline."""
        operation = operation or self._operation()
        items: dict[str, Message] = {}
        request.page.limit = PAGE_SIZE
        while True:
            page = self._call(method, request, response_type, operation.again()).items
            fresh = [item for item in page if getattr(item, id_field) not in items]
            for item in fresh:
                items[getattr(item, id_field)] = item
            if len(page) < PAGE_SIZE or not fresh:
                return list(items.values())
            request.page.after_id = getattr(page[-1], id_field)

    def _operation(self) -> _Operation:
        return _Operation(self._retry, time.monotonic() + self.deadline)

    def _call(self, method: str, request: Message, response_type: type[M],
              operation: Optional[_Operation] = None) -> M:
        """An RPC that is safe to repeat: retried on any retryable failure, within the operation's budget."""
        operation = operation or self._operation()
        request_id = _new_request_id()
        last: Optional[_Retryable] = None
        while operation.next_attempt():
            try:
                return self._attempt(method, request, response_type, request_id, operation)
            except _Retryable as failure:
                last = failure
                log.debug("%s attempt %d failed: %s", method, operation.started, failure.error)
        raise self._gave_up(method, last)

    def _create(
        self,
        method: str,
        request: Message,
        response_type: type[M],
        wanted: M,
        find_applied: Callable[[_Operation], list[M]],
        known_before: Optional[Iterable[M]] = None,
    ) -> M:
        operation = self._operation()
        request_id = _new_request_id()
        before = find_applied(operation.again()) if known_before is None else known_before
        others = {_object_id(twin) for twin in _same_as(before, wanted)}
        maybe_applied = False
        last: Optional[_Retryable] = None
        while operation.next_attempt():
            if maybe_applied:
                existing = self._find_ours(find_applied, wanted, others, operation, settle=_timed_out(last))
                if existing is not None:
                    log.info("%s: adopting %s stored by an earlier attempt", method, _object_id(existing))
                    return existing
            try:
                return self._attempt(method, request, response_type, request_id, operation)
            except _Retryable as failure:
                last = failure
                maybe_applied = maybe_applied or failure.sent
            except InvalidArgumentError:
                # A repeat of a create that the server applied late conflicts with itself.
                existing = self._find_ours(find_applied, wanted, others, operation) if maybe_applied else None
                if existing is not None:
                    return existing
                raise
        raise self._gave_up(method, last)

    def _find_ours(self, find_applied: Callable[[_Operation], list[M]], wanted: M, others: set[str],
                   operation: _Operation, *, settle: bool = False) -> Optional[M]:
        """The object this create stored, if the server has it: equal to `wanted`, and none of `others`
        (the identical objects that were there before).

        After a timed-out create, which may still be on its way to the server, look for it for as long
        again as the answer was awaited (within the deadline) before it is sent anew: LiveKit stores
        identical outbound trunks side by side, so a repeat sent while the first is in flight would
        make a twin."""
        settle_until = min(operation.deadline, time.monotonic() + (self._http.timeout.read or 0.0)) if settle else 0.0
        while True:
            try:
                candidates = _same_as(find_applied(operation.once()), wanted)
                existing = next((c for c in candidates if _object_id(c) not in others), None)
            except (TransportError, UnavailableError, ResourceExhaustedError):
                existing = None
            if existing is not None or time.monotonic() >= settle_until:
                return existing
            time.sleep(min(0.5, max(0.0, settle_until - time.monotonic())))

    def _gave_up(self, method: str, last: Optional[_Retryable]) -> LiveKitError:
        if last is not None:
            return last.error
        return TransportError(
            f"{method}: gave up after the {self.deadline:g} s allowed to one operation ({DEADLINE_ENV})",
            rpc=method, url=self._base, code="deadline_exceeded")

    def _attempt(self, method: str, request: Message, response_type: type[M], request_id: str,
                 operation: _Operation) -> M:
        url = f"{self._base}/twirp/{self.service}/{method}"
        headers = {
            "Authorization": f"Bearer {self._tokens.token()}",
            "Content-Type": "application/protobuf",
            "Accept": "application/protobuf",
            REQUEST_ID_HEADER: request_id,
        }
        try:
            response = self._http.post(url, content=request.SerializeToString(), headers=headers,
                                       timeout=_within(self._http.timeout, operation.remaining()))
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            # No connection was made (or none was free): the server cannot have seen the request.
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


def _same_as(candidates: Iterable[M], wanted: M) -> list[M]:
    """The candidates that hold what `wanted` holds, as LiveKit stores it."""
    target = _as_stored(wanted)
    return [c for c in candidates if _as_stored(c) == target]


def _as_stored(message: M) -> M:
    """`message` without what the server assigns, in the spelling the server stores: it adds an empty
    `media` to every object, and reads legacy `media_encryption` as `media.encryption` when that is
    unset (create stores both, replace only the legacy one)."""
    stored = type(message)()
    stored.CopyFrom(message)
    for name in OUTPUT_ONLY:
        if name in stored.DESCRIPTOR.fields_by_name:
            stored.ClearField(name)
    if stored.media_encryption and not stored.media.encryption:
        stored.media.encryption = stored.media_encryption
    if stored.HasField("media") and stored.media == type(stored.media)():
        stored.ClearField("media")
    return stored


def _within(timeout: httpx.Timeout, remaining: float) -> httpx.Timeout:
    """Each phase of `timeout`, cut to the time left of the operation."""
    remaining = max(remaining, 0.001)
    return httpx.Timeout(connect=min(timeout.connect or remaining, remaining),
                         read=min(timeout.read or remaining, remaining),
                         write=min(timeout.write or remaining, remaining),
                         pool=min(timeout.pool or remaining, remaining))


def _tls_for(base_url: str) -> ssl.SSLContext | bool:
    """What the client verifies TLS with: httpx's default, unless the client can never open TLS.

    httpx builds its default context when the client is made, loading the whole CA bundle: tens of
    milliseconds with OpenSSL 3, in every provider process that calls the API. An http:// endpoint
    reached without a proxy never needs it; its context trusts no certificate, so that TLS, were it
    ever attempted, would fail instead of going unverified."""
    if base_url.startswith("http://") and not urllib.request.getproxies():
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    return True


_clients: dict[Endpoint, SIPClient] = {}
_clients_lock = threading.Lock()


def client_for(connection: Endpoint) -> SIPClient:
    """One pooled client per LiveKit project per process."""
    with _clients_lock:
        client = _clients.get(connection)
        if client is None:
            client = _clients[connection] = SIPClient(connection)
        return client
