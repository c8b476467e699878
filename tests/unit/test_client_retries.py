"""The client's retry, deadline and create-adoption paths, on httpx.MockTransport (no server).

`ScriptedSIP` keeps objects as LiveKit would and answers the client's requests; a test scripts
what goes wrong with each request of a method (a lost answer, a refused connection, an error
status). The same paths run end to end against livekit-server behind the fault proxy in
tests/server/test_client.py and tests/engine/test_faults.py.
"""

from __future__ import annotations

import ssl
import time
from typing import Callable, Optional

import httpx
import pytest
from livekit.protocol import sip as sip_pb

from pulumi_livekit._api import client as _client
from pulumi_livekit._api.client import DEADLINE_ENV, REQUEST_ID_HEADER, RetryPolicy, SIPClient
from pulumi_livekit._api.endpoint import Endpoint
from pulumi_livekit._exceptions import (
    APIError,
    AuthenticationError,
    InvalidArgumentError,
    NotFoundError,
    ResourceExhaustedError,
    TransportError,
    UnavailableError,
)
from pulumi_livekit._model.kinds import DISPATCH_RULE, OUTBOUND_TRUNK

ENDPOINT = Endpoint("http://livekit.test:7880", "key", "secret-that-is-long-enough-for-hs256")
FAST = RetryPolicy(attempts=5, base_delay=0.0, max_delay=0.0)

# What a scripted request does instead of (or besides) being answered: given the request and the
# server, raise an httpx error, return a response, or return None to be answered as usual.
Fault = Callable[[httpx.Request, "ScriptedSIP"], Optional[httpx.Response]]


def refused(request: httpx.Request, _server: "ScriptedSIP") -> None:
    raise httpx.ConnectError("connection refused", request=request)


def answer_lost(request: httpx.Request, server: "ScriptedSIP") -> None:
    """The server applies the request, and the answer never arrives."""
    server.answer(request)
    raise httpx.ReadError("connection reset", request=request)


def lost_before_applied(request: httpx.Request, _server: "ScriptedSIP") -> None:
    raise httpx.ReadError("connection reset", request=request)


def timed_out(request: httpx.Request, _server: "ScriptedSIP") -> None:
    raise httpx.ReadTimeout("timed out", request=request)


def status(code: int, twirp_code: str = "") -> Fault:
    def fault(_request: httpx.Request, _server: "ScriptedSIP") -> httpx.Response:
        if twirp_code:
            return httpx.Response(code, json={"code": twirp_code, "msg": "scripted"})
        return httpx.Response(code, text="scripted")
    return fault


class ScriptedSIP:
    """Outbound trunks and dispatch rules kept as LiveKit keeps them, with paging."""

    def __init__(self, page_size_honoured: bool = True) -> None:
        self.objects: dict[str, object] = {}
        self.calls: list[str] = []
        self.requests: list[httpx.Request] = []
        self.faults: dict[str, list[Optional[Fault]]] = {}
        self.page_size_honoured = page_size_honoured
        self._next_id = 0

    def script(self, method: str, *faults: Optional[Fault]) -> None:
        """What the next requests of `method` do, in order (None: answered as usual)."""
        self.faults.setdefault(method, []).extend(faults)

    def store(self, info) -> str:
        self._next_id += 1
        field = "sip_dispatch_rule_id" if isinstance(info, sip_pb.SIPDispatchRuleInfo) else "sip_trunk_id"
        object_id = f"{'SDR' if field == 'sip_dispatch_rule_id' else 'ST'}_{self._next_id}"
        stored = type(info)()
        stored.CopyFrom(info)
        setattr(stored, field, object_id)
        stored.media.SetInParent()  # LiveKit adds an empty `media` to what it stores
        self.objects[object_id] = stored
        return object_id

    def handle(self, request: httpx.Request) -> httpx.Response:
        method = request.url.path.rsplit("/", 1)[-1]
        self.calls.append(method)
        self.requests.append(request)
        pending = self.faults.get(method)
        fault = pending.pop(0) if pending else None
        if fault is not None:
            response = fault(request, self)
            if response is not None:
                return response
        return self.answer(request)

    def answer(self, request: httpx.Request) -> httpx.Response:
        method = request.url.path.rsplit("/", 1)[-1]
        body = request.content
        if method == "CreateSIPOutboundTrunk":
            info = sip_pb.CreateSIPOutboundTrunkRequest.FromString(body).trunk
            return _ok(self.objects[self.store(info)])
        if method == "CreateSIPDispatchRule":
            info = sip_pb.CreateSIPDispatchRuleRequest.FromString(body).dispatch_rule
            return _ok(self.objects[self.store(info)])
        if method == "ListSIPOutboundTrunk":
            page = sip_pb.ListSIPOutboundTrunkRequest.FromString(body).page
            items = self._page(sip_pb.SIPOutboundTrunkInfo, "sip_trunk_id", page)
            return _ok(sip_pb.ListSIPOutboundTrunkResponse(items=items))
        if method == "ListSIPDispatchRule":
            page = sip_pb.ListSIPDispatchRuleRequest.FromString(body).page
            items = self._page(sip_pb.SIPDispatchRuleInfo, "sip_dispatch_rule_id", page)
            return _ok(sip_pb.ListSIPDispatchRuleResponse(items=items))
        if method == "UpdateSIPOutboundTrunk":
            update = sip_pb.UpdateSIPOutboundTrunkRequest.FromString(body)
            if update.sip_trunk_id not in self.objects:
                return httpx.Response(404, json={"code": "not_found", "msg": "no such trunk"})
            self.objects[update.sip_trunk_id].CopyFrom(update.replace)
            self.objects[update.sip_trunk_id].sip_trunk_id = update.sip_trunk_id
            return _ok(self.objects[update.sip_trunk_id])
        raise AssertionError(f"unscripted method {method}")

    def _page(self, kind: type, id_field: str, page) -> list:
        items = sorted((o for o in self.objects.values() if isinstance(o, kind)), key=lambda o: getattr(o, id_field))
        if not self.page_size_honoured:
            return items
        after = [o for o in items if getattr(o, id_field) > page.after_id] if page.after_id else items
        return after[:page.limit] if page.limit else after

    def client(self, **options) -> SIPClient:
        options.setdefault("retry", FAST)
        return SIPClient(ENDPOINT, transport=httpx.MockTransport(self.handle), **options)


def _ok(message) -> httpx.Response:
    return httpx.Response(200, content=message.SerializeToString(), headers={"Content-Type": "application/protobuf"})


def trunk(name: str = "carrier") -> sip_pb.SIPOutboundTrunkInfo:
    return sip_pb.SIPOutboundTrunkInfo(name=name, address="sip.example.com", numbers=["+15550001111"],
                                       media_encryption=sip_pb.SIP_MEDIA_ENCRYPT_ALLOW)


def rule(pin: str = "1234") -> sip_pb.SIPDispatchRuleInfo:
    return sip_pb.SIPDispatchRuleInfo(trunk_ids=["ST_x"], rule=sip_pb.SIPDispatchRule(
        dispatch_rule_direct=sip_pb.SIPDispatchRuleDirect(room_name="lobby", pin=pin)))


# ---- creates: when a repeat may be sent, and when the stored object is adopted -----------------


def test_a_create_whose_connection_was_refused_repeats_without_looking_first():
    server = ScriptedSIP()
    server.script("CreateSIPOutboundTrunk", refused, refused)
    created = server.client().create(OUTBOUND_TRUNK, trunk())
    assert server.calls == ["ListSIPOutboundTrunk"] + ["CreateSIPOutboundTrunk"] * 3
    assert list(server.objects) == [created.sip_trunk_id]


def test_a_create_whose_answer_was_lost_looks_for_the_object_and_adopts_it():
    server = ScriptedSIP()
    server.script("CreateSIPOutboundTrunk", answer_lost)
    created = server.client().create(OUTBOUND_TRUNK, trunk())
    assert server.calls == ["ListSIPOutboundTrunk", "CreateSIPOutboundTrunk", "ListSIPOutboundTrunk"]
    assert list(server.objects) == [created.sip_trunk_id]  # adopted, not created twice


def test_a_create_lost_before_it_was_applied_is_sent_again_with_the_same_request_id():
    server = ScriptedSIP()
    server.script("CreateSIPOutboundTrunk", lost_before_applied)
    created = server.client().create(OUTBOUND_TRUNK, trunk())
    assert server.calls == ["ListSIPOutboundTrunk", "CreateSIPOutboundTrunk", "ListSIPOutboundTrunk",
                            "CreateSIPOutboundTrunk"]
    creates = [r for r in server.requests if r.url.path.endswith("/CreateSIPOutboundTrunk")]
    assert creates[0].headers[REQUEST_ID_HEADER] == creates[1].headers[REQUEST_ID_HEADER]
    assert list(server.objects) == [created.sip_trunk_id]


def test_an_identical_object_that_was_there_before_is_never_adopted():
    server = ScriptedSIP()
    twin = server.store(trunk())  # another stack's trunk with the same content
    server.script("CreateSIPOutboundTrunk", lost_before_applied)
    created = server.client().create(OUTBOUND_TRUNK, trunk())
    assert created.sip_trunk_id != twin and sorted(server.objects) == sorted([twin, created.sip_trunk_id])


def test_a_timed_out_create_is_looked_for_until_it_lands_instead_of_being_sent_again():
    server = ScriptedSIP()
    landing: list[httpx.Request] = []

    def lands_on_the_second_look(request: httpx.Request, srv: ScriptedSIP) -> None:
        if landing:  # the timed-out create reaches the server while the client looks
            srv.answer(landing.pop())

    def timed_out_in_flight(request: httpx.Request, srv: ScriptedSIP) -> None:
        landing.append(request)
        timed_out(request, srv)

    server.script("CreateSIPOutboundTrunk", timed_out_in_flight)
    server.script("ListSIPOutboundTrunk", None, None, lands_on_the_second_look)
    created = server.client(timeout=httpx.Timeout(2.0)).create(OUTBOUND_TRUNK, trunk())
    assert server.calls.count("CreateSIPOutboundTrunk") == 1
    assert server.calls.count("ListSIPOutboundTrunk") == 3  # before; then looked twice while it settled
    assert list(server.objects) == [created.sip_trunk_id]


def test_a_timed_out_create_that_never_lands_is_sent_again_once_it_had_as_long_again():
    server = ScriptedSIP()
    server.script("CreateSIPOutboundTrunk", timed_out)
    started = time.monotonic()
    created = server.client(timeout=httpx.Timeout(0.4)).create(OUTBOUND_TRUNK, trunk())
    assert time.monotonic() - started >= 0.4  # waited as long as the answer had been awaited
    assert server.calls.count("CreateSIPOutboundTrunk") == 2
    assert list(server.objects) == [created.sip_trunk_id]


def test_a_repeat_refused_as_a_conflict_after_the_first_create_applied_late_adopts_the_stored_rule():
    server = ScriptedSIP()
    late: list[httpx.Request] = []

    def applied_late(request: httpx.Request, srv: ScriptedSIP) -> httpx.Response:
        srv.answer(late.pop())  # the first create lands now, and the repeat conflicts with it
        return httpx.Response(400, json={"code": "invalid_argument", "msg": "conflicting rule"})

    server.script("CreateSIPDispatchRule", lambda request, srv: late.append(request) or lost_before_applied(request, srv),
                  applied_late)
    created = server.client().create(DISPATCH_RULE, rule(), known_before=[])
    assert server.calls == ["CreateSIPDispatchRule", "ListSIPDispatchRule", "CreateSIPDispatchRule",
                            "ListSIPDispatchRule"]
    assert list(server.objects) == [created.sip_dispatch_rule_id]


def test_a_conflict_with_no_earlier_attempt_is_the_users_error_and_is_not_looked_into():
    server = ScriptedSIP()
    server.script("CreateSIPDispatchRule", status(400, "invalid_argument"))
    with pytest.raises(InvalidArgumentError):
        server.client().create(DISPATCH_RULE, rule(), known_before=[])
    assert server.calls == ["CreateSIPDispatchRule"]


def test_a_create_told_what_the_server_holds_sends_no_list_of_its_own():
    server = ScriptedSIP()
    server.client().create(DISPATCH_RULE, rule(), known_before=[])
    assert server.calls == ["CreateSIPDispatchRule"]


def test_a_create_not_told_what_the_server_holds_lists_it_once_first():
    server = ScriptedSIP()
    server.client().create(DISPATCH_RULE, rule())
    assert server.calls == ["ListSIPDispatchRule", "CreateSIPDispatchRule"]


def test_a_create_that_keeps_failing_raises_the_last_error_after_every_attempt():
    server = ScriptedSIP()
    server.script("CreateSIPOutboundTrunk", *[refused] * 5)
    with pytest.raises(TransportError) as failed:
        server.client().create(OUTBOUND_TRUNK, trunk())
    assert failed.value.code == "unavailable" and server.calls.count("CreateSIPOutboundTrunk") == FAST.attempts


# ---- what is retried, and what is not ---------------------------------------------------------


@pytest.mark.parametrize(("fault", "error"), [
    (status(400, "invalid_argument"), InvalidArgumentError),
    (status(404, "not_found"), NotFoundError),
    (status(401), AuthenticationError),
    (status(501, "unimplemented"), APIError),  # a method this server lacks: no repeat brings it
])
def test_a_client_error_is_raised_at_once(fault, error):
    server = ScriptedSIP()
    server.script("UpdateSIPOutboundTrunk", fault)
    with pytest.raises(error):
        server.client().update(OUTBOUND_TRUNK, "ST_1", trunk())
    assert server.calls == ["UpdateSIPOutboundTrunk"]


@pytest.mark.parametrize("fault", [status(429), status(500, "internal"), status(503), status(502),
                                   refused, lost_before_applied, timed_out], ids=lambda f: getattr(f, "__name__", "x"))
def test_a_safe_request_is_repeated_after_throttling_server_errors_and_transport_failures(fault):
    server = ScriptedSIP()
    object_id = server.store(trunk())
    server.script("UpdateSIPOutboundTrunk", fault, fault)
    updated = server.client().update(OUTBOUND_TRUNK, object_id, trunk("renamed"))
    assert updated.name == "renamed" and server.calls == ["UpdateSIPOutboundTrunk"] * 3


def refused_certificate(code: int, message: str) -> Fault:
    """The TLS handshake fails as OpenSSL fails it: no request is sent, and a repeat meets the same certificate."""
    def fault(request: httpx.Request, _server: "ScriptedSIP") -> None:
        refusal = ssl.SSLCertVerificationError(1, f"[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: {message}")
        refusal.verify_code, refusal.verify_message = code, message
        raise httpx.ConnectError(str(refusal), request=request) from refusal
    return fault


@pytest.mark.parametrize(("code", "message", "advice"), [
    (62, "Hostname mismatch, certificate is not valid for 'livekit.test'.", "check the URL (livekit:url / LIVEKIT_URL)"),
    (20, "unable to get local issuer certificate", "point SSL_CERT_FILE at its certificate"),
    (10, "certificate has expired", "check the server's certificate"),
])
def test_a_refused_certificate_is_raised_at_once_in_one_line_naming_the_url(code, message, advice):
    server = ScriptedSIP()
    server.script("ListSIPDispatchRule", refused_certificate(code, message))
    with pytest.raises(TransportError) as raised:
        server.client().list(DISPATCH_RULE)
    assert server.calls == ["ListSIPDispatchRule"]
    text = str(raised.value)
    assert "\n" not in text and ENDPOINT.url in text and message.rstrip(".") in text and advice in text, text


def test_throttling_that_outlasts_the_attempts_is_raised_as_such():
    server = ScriptedSIP()
    server.script("UpdateSIPOutboundTrunk", *[status(429)] * 5)
    with pytest.raises(ResourceExhaustedError):
        server.client().update(OUTBOUND_TRUNK, "ST_1", trunk())
    assert len(server.calls) == FAST.attempts


# ---- the deadline ------------------------------------------------------------------------------


def test_each_request_timeout_is_cut_to_what_is_left_of_the_deadline():
    server = ScriptedSIP()
    server.client(deadline=0.5, timeout=httpx.Timeout(15.0)).list(OUTBOUND_TRUNK)
    timeouts = server.requests[0].extensions["timeout"]
    assert set(timeouts) == {"connect", "read", "write", "pool"}
    assert all(0 < seconds <= 0.5 for seconds in timeouts.values())


def test_the_deadline_ends_the_retries_before_the_attempts_run_out():
    server = ScriptedSIP()
    server.script("UpdateSIPOutboundTrunk", *[status(503)] * 1000)
    slow = RetryPolicy(attempts=1000, base_delay=0.05, max_delay=0.05)
    started = time.monotonic()
    with pytest.raises(UnavailableError):
        server.client(retry=slow, deadline=0.3).update(OUTBOUND_TRUNK, "ST_1", trunk())
    assert time.monotonic() - started < 0.3 + 0.2
    assert 1 < len(server.calls) < 1000


def test_an_operation_whose_deadline_is_spent_names_the_setting():
    server = ScriptedSIP()
    with pytest.raises(TransportError) as failed:
        server.client(deadline=1e-9).update(OUTBOUND_TRUNK, "ST_1", trunk())
    assert failed.value.code == "deadline_exceeded" and DEADLINE_ENV in str(failed.value)
    assert server.calls == []


# ---- paging -------------------------------------------------------------------------------------


def test_a_listing_follows_every_page(monkeypatch):
    monkeypatch.setattr(_client, "PAGE_SIZE", 2)
    server = ScriptedSIP()
    stored = {server.store(trunk(f"t{i}")) for i in range(5)}
    listed = server.client().list(OUTBOUND_TRUNK)
    assert {t.sip_trunk_id for t in listed} == stored
    assert server.calls == ["ListSIPOutboundTrunk"] * 3  # 2 + 2 + 1


def test_a_server_that_ignores_paging_is_listed_once(monkeypatch):
    monkeypatch.setattr(_client, "PAGE_SIZE", 2)
    server = ScriptedSIP(page_size_honoured=False)
    stored = {server.store(trunk(f"t{i}")) for i in range(5)}
    listed = server.client().list(OUTBOUND_TRUNK)
    assert {t.sip_trunk_id for t in listed} == stored
    assert server.calls == ["ListSIPOutboundTrunk"] * 2  # the second page brought nothing new: done


def test_a_page_that_fails_is_repeated_alone(monkeypatch):
    monkeypatch.setattr(_client, "PAGE_SIZE", 2)
    server = ScriptedSIP()
    stored = {server.store(trunk(f"t{i}")) for i in range(3)}
    server.script("ListSIPOutboundTrunk", None, status(503))
    assert {t.sip_trunk_id for t in server.client().list(OUTBOUND_TRUNK)} == stored
    assert len(server.calls) == 3
