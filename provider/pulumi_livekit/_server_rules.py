"""The dispatch rules already on a LiveKit server, for conflicts found at preview.

A rule the program creates, or moves to other calls (its trunks, numbers or PIN change), is
looked up in one listing of the server's rules per LiveKit project and provider process. The
listing is taken when the first such rule is checked, so a preview that changes no rule's calls
sends no request, and it is then kept current with this process's own writes (a deployment
checks a rule after creating others), so a deployment lists at most once too. What other
people change on the server meanwhile is left to the server, which refuses a conflict at create.

The same listing tells a create which identical rules were there before it (see `_client`), so
that it sends no List of its own. A twin someone else makes between the check and the create
goes unseen there; LiveKit refuses our create next to it, and only if that refusal's answer is
lost too would the create take the twin for its own.
"""

from __future__ import annotations

import threading
from typing import Callable, Hashable, Optional

from livekit.protocol import sip as sip_pb

from ._config import Endpoint
from ._exceptions import LiveKitError
from .routing import rule_claims

Claim = tuple[str, str, str, str]


def claims_of(rule: sip_pb.SIPDispatchRuleInfo) -> frozenset[Claim]:
    return frozenset(claim for claim, _ in rule_claims(rule))


class _Snapshot:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.taken = False
        self.error: Optional[LiveKitError] = None
        self.rules: dict[str, sip_pb.SIPDispatchRuleInfo] = {}
        self.holders: dict[Claim, str] = {}  # claim -> ID of the rule holding it

    def put(self, rule: sip_pb.SIPDispatchRuleInfo) -> None:
        self.remove(rule.sip_dispatch_rule_id)
        self.rules[rule.sip_dispatch_rule_id] = rule
        for claim in claims_of(rule):
            self.holders[claim] = rule.sip_dispatch_rule_id

    def in_the_way(self, rule: sip_pb.SIPDispatchRuleInfo, own_claims: frozenset[Claim] = frozenset()
                   ) -> Optional[tuple[sip_pb.SIPDispatchRuleInfo, str]]:
        """The first listed rule that holds some of the calls `rule` takes, and what they share; not the one
        that claims exactly `own_claims` (the resource's own rule, which the change replaces)."""
        for claim, reason in rule_claims(rule):
            holder = self.rules.get(self.holders.get(claim, ""))
            if holder is not None and claims_of(holder) != own_claims:
                return holder, reason
        return None

    def remove(self, rule_id: str) -> None:
        old = self.rules.pop(rule_id, None)
        for claim in claims_of(old) if old is not None else ():
            if self.holders.get(claim) == rule_id:
                del self.holders[claim]


class RulesOnServer:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._snapshots: dict[Hashable, _Snapshot] = {}

    def conflict(self, endpoint: Endpoint, fetch: Callable[[], list[sip_pb.SIPDispatchRuleInfo]],
                 rule: sip_pb.SIPDispatchRuleInfo, own_claims: frozenset[Claim]
                 ) -> Optional[tuple[sip_pb.SIPDispatchRuleInfo, str]]:
        """A rule on the server that `rule` cannot be stored next to, and what they share.

        `own_claims` are what the resource's rule claimed before this change."""
        with self._lock:
            snapshot = self._snapshots.setdefault(endpoint, _Snapshot())
        with snapshot.lock:
            if not snapshot.taken:
                snapshot.taken = True
                try:
                    for listed in fetch():
                        snapshot.put(listed)
                except LiveKitError as error:  # every check waiting on the listing fails alike
                    snapshot.error = error
            if snapshot.error is not None:
                raise snapshot.error
            return snapshot.in_the_way(rule, own_claims)

    def refused(self, endpoint: Endpoint, fetch: Callable[[], list[sip_pb.SIPDispatchRuleInfo]],
                rule: sip_pb.SIPDispatchRuleInfo) -> Optional[tuple[sip_pb.SIPDispatchRuleInfo, str]]:
        """After LiveKit refused to create `rule`: the rule in its way, from a listing taken anew, which this
        process keeps. Someone stored it after the process last looked: another stack, perhaps, deploying at
        the same time."""
        fresh = _Snapshot()
        fresh.taken = True
        for listed in fetch():
            fresh.put(listed)
        with self._lock:
            self._snapshots[endpoint] = fresh
        with fresh.lock:
            return fresh.in_the_way(rule)

    def sharing_calls(self, endpoint: Endpoint, rule: sip_pb.SIPDispatchRuleInfo
                      ) -> Optional[list[sip_pb.SIPDispatchRuleInfo]]:
        """The rules on the server, as this process knows them, that take some of the calls `rule` takes (a rule
        identical to it takes them all); None if the process has not listed the server's rules."""
        snapshot = self._taken(endpoint)
        if snapshot is None:
            return None
        with snapshot.lock:
            if snapshot.error is not None:
                return None
            holders = {snapshot.holders[claim] for claim in claims_of(rule) if claim in snapshot.holders}
            return [snapshot.rules[rule_id] for rule_id in holders]

    def stored(self, endpoint: Endpoint, rule: sip_pb.SIPDispatchRuleInfo) -> None:
        """This process created or updated `rule` (as the server answered it)."""
        snapshot = self._taken(endpoint)
        if snapshot is not None:
            with snapshot.lock:
                snapshot.put(rule)

    def deleted(self, endpoint: Endpoint, rule_id: str) -> None:
        snapshot = self._taken(endpoint)
        if snapshot is not None:
            with snapshot.lock:
                snapshot.remove(rule_id)

    def _taken(self, endpoint: Endpoint) -> Optional[_Snapshot]:
        with self._lock:
            snapshot = self._snapshots.get(endpoint)
        return snapshot if snapshot is not None and snapshot.taken else None


RULES_ON_SERVER = RulesOnServer()
