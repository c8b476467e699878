"""The per-process state (`pulumi_livekit._core.state`) and its one listing cache (`_core.listings`)."""

from __future__ import annotations

import pytest
from livekit.protocol import sip as sip_pb

from pulumi_livekit._api.redact import REDACTED
from pulumi_livekit._core import state as _state
from pulumi_livekit._core.state import client_for
from pulumi_livekit._api.endpoint import Endpoint
from pulumi_livekit._exceptions import TransportError
from pulumi_livekit._core.listings import Listings, claims_of

PROJECT = Endpoint("http://livekit.test:7880", "key", "secret")


def rule(rule_id: str, trunk: str = "ST_a", pin: str = "") -> sip_pb.SIPDispatchRuleInfo:
    return sip_pb.SIPDispatchRuleInfo(sip_dispatch_rule_id=rule_id, trunk_ids=[trunk], rule=sip_pb.SIPDispatchRule(
        dispatch_rule_direct=sip_pb.SIPDispatchRuleDirect(room_name="r", pin=pin)))


class Server:
    def __init__(self, *items) -> None:
        self.items = list(items)
        self.lists = 0

    def list(self) -> list:
        self.lists += 1
        return list(self.items)


def test_reset_starts_every_part_over_in_one_call():
    state = _state.current()
    _state.register_secrets(["hunter2"])
    client = client_for(PROJECT)
    assert client_for(PROJECT) is client and _state.redact("pw hunter2") == f"pw {REDACTED}"
    fresh = _state.reset()
    assert fresh is _state.current() is not state
    assert _state.redact("pw hunter2") == "pw hunter2"
    assert client_for(PROJECT) is not client
    assert (fresh.review, fresh.listings is state.listings, fresh.declared_rules is state.declared_rules) == \
        (None, False, False)
    _state.reset()


def test_reads_share_one_listing_until_this_process_writes_to_the_kind():
    listings, server = Listings(), Server(rule("SDR_1"))
    kind = sip_pb.SIPDispatchRuleInfo
    assert set(listings.for_read(PROJECT, kind, server.list)) == {"SDR_1"}
    listings.for_read(PROJECT, kind, server.list)
    assert server.lists == 1
    with listings.writing(PROJECT, kind):
        server.items.append(rule("SDR_2", trunk="ST_b"))
    assert set(listings.for_read(PROJECT, kind, server.list)) == {"SDR_1", "SDR_2"} and server.lists == 2


def test_a_failed_write_still_makes_the_next_read_list_again():
    listings, server = Listings(), Server()
    kind = sip_pb.SIPOutboundTrunkInfo
    listings.for_read(PROJECT, kind, server.list)
    with pytest.raises(TransportError), listings.writing(PROJECT, kind):
        raise TransportError("lost", rpc="x", url="u", code="unavailable")
    listings.for_read(PROJECT, kind, server.list)
    assert server.lists == 2


def test_a_failed_listing_fails_every_caller_alike_without_asking_again():
    listings = Listings()
    calls = []

    def failing() -> list:
        calls.append(1)
        raise TransportError("down", rpc="x", url="u", code="unavailable")

    for _ in range(2):
        with pytest.raises(TransportError):
            listings.conflict(PROJECT, failing, rule("SDR_new"), frozenset())
    assert len(calls) == 1
    assert listings.sharing_calls(PROJECT, rule("SDR_new")) is None


def test_the_conflict_checks_listing_is_taken_once_and_kept_current_with_this_processs_writes():
    listings, server = Listings(), Server(rule("SDR_1", trunk="ST_a"))
    assert listings.sharing_calls(PROJECT, rule("x", trunk="ST_a")) is None  # not listed yet: the create lists
    holder, reason = listings.conflict(PROJECT, server.list, rule("SDR_new", trunk="ST_a"), frozenset())
    assert holder.sip_dispatch_rule_id == "SDR_1" and "ST_a" in reason
    # The resource's own rule, claiming what it claimed before, is not in its way.
    assert listings.conflict(PROJECT, server.list, rule("SDR_1", trunk="ST_a"), claims_of(rule("SDR_1"))) is None
    listings.stored(PROJECT, rule("SDR_2", trunk="ST_b"))
    assert [r.sip_dispatch_rule_id for r in listings.sharing_calls(PROJECT, rule("x", trunk="ST_b"))] == ["SDR_2"]
    listings.deleted(PROJECT, sip_pb.SIPDispatchRuleInfo, "SDR_1")
    assert listings.conflict(PROJECT, server.list, rule("SDR_new", trunk="ST_a"), frozenset()) is None
    assert server.lists == 1


def test_reads_and_conflict_checks_share_the_listing():
    listings, server = Listings(), Server(rule("SDR_1"))
    listings.conflict(PROJECT, server.list, rule("SDR_new", trunk="ST_other"), frozenset())
    assert set(listings.for_read(PROJECT, sip_pb.SIPDispatchRuleInfo, server.list)) == {"SDR_1"}
    assert server.lists == 1


def test_a_short_secret_is_scrubbed_where_it_stands_alone_and_a_long_one_everywhere():
    # Found by the differential run: a one-letter trunk password turned a check's message into
    # "authPassword: is req[secret]ired when a[secret]th_[secret]sername is set".
    _state.register_secrets(["u", "4821", "a-long-trunk-password"])
    assert _state.redact("authPassword: is required when auth_username is set") == \
        "authPassword: is required when auth_username is set"
    assert _state.redact("pin 4821 refused; caller +15554821") == f"pin {REDACTED} refused; caller +15554821"
    assert _state.redact("user=u") == f"user={REDACTED}"
    assert _state.redact("xa-long-trunk-passwordx") == f"x{REDACTED}x"
    _state.reset()
