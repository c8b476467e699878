"""The SIP service's operations, over the Twirp transport (`_twirp`) and the retry policy (`_retry`).

Reads, updates (a replace, or a field-wise update that only sets values) and deletes are safe to
repeat: each is one `Budget.repeat`. Listings follow every page. A create may have been stored although its answer was lost: it
repeats or adopts as `_adoption` says.
"""

from __future__ import annotations

import time
from typing import Callable, Iterable, Optional, TypeVar

import httpx
from google.protobuf.message import Message
from livekit.protocol import sip as sip_pb

from ._adoption import create_or_adopt
from ._config import Endpoint
from ._exceptions import LiveKitError, NotFoundError
from ._retry import (
    DEADLINE_ENV,
    DEFAULT_DEADLINE,
    DEFAULT_TIMEOUT,
    TIMEOUT_ENV,
    Budget,
    Retryable,
    RetryPolicy,
    configured_deadline,
    configured_timeout,
)
from ._state import current
from ._twirp import REQUEST_ID_HEADER, Twirp, new_request_id

# The client, and the settings and header its callers (and tests) name.
__all__ = ["DEADLINE_ENV", "DEFAULT_DEADLINE", "DEFAULT_TIMEOUT", "PAGE_SIZE", "REQUEST_ID_HEADER", "TIMEOUT_ENV",
           "RetryPolicy", "SIPClient", "client_for"]

M = TypeVar("M", bound=Message)

PAGE_SIZE = 500


class SIPClient:
    """Thread-safe client; one instance keeps one connection pool."""

    def __init__(
        self,
        connection: Endpoint,
        *,
        timeout: Optional[httpx.Timeout] = None,
        retry: Optional[RetryPolicy] = None,
        deadline: Optional[float] = None,
        transport: Optional[httpx.BaseTransport] = None,
    ) -> None:
        self.deadline = configured_deadline() if deadline is None else deadline
        self.connection = connection
        self._twirp = Twirp(connection, timeout=configured_timeout() if timeout is None else timeout,
                            transport=transport)
        self._retry = retry or RetryPolicy()

    @property
    def timeout(self) -> httpx.Timeout:
        """Each request's timeout (cut to what is left of its operation's deadline)."""
        return self._twirp.timeout

    def close(self) -> None:
        self._twirp.close()

    def __enter__(self) -> "SIPClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- dispatch rules -------------------------------------------------------------

    def create_dispatch_rule(self, info: sip_pb.SIPDispatchRuleInfo, *,
                             known_before: Optional[Iterable[sip_pb.SIPDispatchRuleInfo]] = None
                             ) -> sip_pb.SIPDispatchRuleInfo:
        """`known_before`: the server's rules as the caller last saw them, if it did (else one filtered List)."""
        def find_applied(budget: Budget) -> list[sip_pb.SIPDispatchRuleInfo]:
            return self.list_dispatch_rules(trunk_ids=info.trunk_ids, budget=budget)

        return self._create(
            "CreateSIPDispatchRule",
            sip_pb.CreateSIPDispatchRuleRequest(dispatch_rule=info),
            sip_pb.SIPDispatchRuleInfo,
            info,
            find_applied,
            known_before,
        )

    def update_dispatch_rule(self, rule_id: str, change: sip_pb.SIPDispatchRuleInfo | sip_pb.SIPDispatchRuleUpdate
                             ) -> sip_pb.SIPDispatchRuleInfo:
        """`change`: the whole rule to store, or a field-wise update of the stored one (see `_field_update`)."""
        request = sip_pb.UpdateSIPDispatchRuleRequest(sip_dispatch_rule_id=rule_id, **_action(change))
        return self._call("UpdateSIPDispatchRule", request, sip_pb.SIPDispatchRuleInfo)

    def list_dispatch_rules(
        self, *, rule_ids: Iterable[str] = (), trunk_ids: Iterable[str] = (), budget: Optional[Budget] = None
    ) -> list[sip_pb.SIPDispatchRuleInfo]:
        request = sip_pb.ListSIPDispatchRuleRequest(dispatch_rule_ids=list(rule_ids), trunk_ids=list(trunk_ids))
        return self._list("ListSIPDispatchRule", request, sip_pb.ListSIPDispatchRuleResponse, "sip_dispatch_rule_id",
                          budget)

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
        def find_applied(budget: Budget) -> list[sip_pb.SIPInboundTrunkInfo]:
            return self.list_inbound_trunks(numbers=info.numbers, budget=budget)

        return self._create(
            "CreateSIPInboundTrunk",
            sip_pb.CreateSIPInboundTrunkRequest(trunk=info),
            sip_pb.SIPInboundTrunkInfo,
            info,
            find_applied,
        )

    def create_outbound_trunk(self, info: sip_pb.SIPOutboundTrunkInfo) -> sip_pb.SIPOutboundTrunkInfo:
        def find_applied(budget: Budget) -> list[sip_pb.SIPOutboundTrunkInfo]:
            return self.list_outbound_trunks(numbers=info.numbers, budget=budget)

        return self._create(
            "CreateSIPOutboundTrunk",
            sip_pb.CreateSIPOutboundTrunkRequest(trunk=info),
            sip_pb.SIPOutboundTrunkInfo,
            info,
            find_applied,
        )

    def update_inbound_trunk(self, trunk_id: str, change: sip_pb.SIPInboundTrunkInfo | sip_pb.SIPInboundTrunkUpdate
                             ) -> sip_pb.SIPInboundTrunkInfo:
        request = sip_pb.UpdateSIPInboundTrunkRequest(sip_trunk_id=trunk_id, **_action(change))
        return self._call("UpdateSIPInboundTrunk", request, sip_pb.SIPInboundTrunkInfo)

    def update_outbound_trunk(self, trunk_id: str,
                              change: sip_pb.SIPOutboundTrunkInfo | sip_pb.SIPOutboundTrunkUpdate
                              ) -> sip_pb.SIPOutboundTrunkInfo:
        request = sip_pb.UpdateSIPOutboundTrunkRequest(sip_trunk_id=trunk_id, **_action(change))
        return self._call("UpdateSIPOutboundTrunk", request, sip_pb.SIPOutboundTrunkInfo)

    def get_inbound_trunk(self, trunk_id: str) -> Optional[sip_pb.SIPInboundTrunkInfo]:
        return self._get_trunk("GetSIPInboundTrunk", sip_pb.GetSIPInboundTrunkRequest(sip_trunk_id=trunk_id),
                               sip_pb.GetSIPInboundTrunkResponse)

    def get_outbound_trunk(self, trunk_id: str) -> Optional[sip_pb.SIPOutboundTrunkInfo]:
        return self._get_trunk("GetSIPOutboundTrunk", sip_pb.GetSIPOutboundTrunkRequest(sip_trunk_id=trunk_id),
                               sip_pb.GetSIPOutboundTrunkResponse)

    def list_inbound_trunks(
        self, *, trunk_ids: Iterable[str] = (), numbers: Iterable[str] = (), budget: Optional[Budget] = None
    ) -> list[sip_pb.SIPInboundTrunkInfo]:
        request = sip_pb.ListSIPInboundTrunkRequest(trunk_ids=list(trunk_ids), numbers=list(numbers))
        return self._list("ListSIPInboundTrunk", request, sip_pb.ListSIPInboundTrunkResponse, "sip_trunk_id", budget)

    def list_outbound_trunks(
        self, *, trunk_ids: Iterable[str] = (), numbers: Iterable[str] = (), budget: Optional[Budget] = None
    ) -> list[sip_pb.SIPOutboundTrunkInfo]:
        request = sip_pb.ListSIPOutboundTrunkRequest(trunk_ids=list(trunk_ids), numbers=list(numbers))
        return self._list("ListSIPOutboundTrunk", request, sip_pb.ListSIPOutboundTrunkResponse, "sip_trunk_id", budget)

    def delete_trunk(self, trunk_id: str) -> None:
        self._call("DeleteSIPTrunk", sip_pb.DeleteSIPTrunkRequest(sip_trunk_id=trunk_id), sip_pb.SIPTrunkInfo)

    # ---- plumbing -------------------------------------------------------------------

    def _get_trunk(self, method: str, request: Message, response_type: type[Message]):
        try:
            return self._call(method, request, response_type).trunk
        except NotFoundError:
            return None

    def _list(self, method: str, request: Message, response_type: type[Message], id_field: str,
              budget: Optional[Budget] = None) -> list:
        """Follow `page.after_id` until a short page; servers that ignore paging answer everything at once.
        Each page has the operation's attempts; all of them share its deadline."""
        budget = budget or self._budget()
        items: dict[str, Message] = {}
        request.page.limit = PAGE_SIZE
        while True:
            page = self._call(method, request, response_type, budget.next_request()).items
            fresh = [item for item in page if getattr(item, id_field) not in items]
            for item in fresh:
                items[getattr(item, id_field)] = item
            if len(page) < PAGE_SIZE or not fresh:
                return list(items.values())
            request.page.after_id = getattr(page[-1], id_field)

    def _budget(self) -> Budget:
        return Budget(self._retry, time.monotonic() + self.deadline)

    def _call(self, method: str, request: Message, response_type: type[M], budget: Optional[Budget] = None) -> M:
        """An RPC that is safe to repeat: retried on any retryable failure, within the operation's budget."""
        budget = budget or self._budget()
        request_id = new_request_id()
        return budget.repeat(lambda: self._twirp.call(method, request, response_type, request_id, budget.remaining()),
                             method, lambda last: self._gave_up(method, last))

    def _create(self, method: str, request: Message, response_type: type[M], wanted: M,
                find_applied: Callable[[Budget], list[M]], known_before: Optional[Iterable[M]] = None) -> M:
        return create_or_adopt(self._twirp, self._budget(), method, request, response_type, wanted,
                               find_applied=find_applied, known_before=known_before,
                               gave_up=lambda last: self._gave_up(method, last))

    def _gave_up(self, method: str, last: Optional[Retryable]) -> LiveKitError:
        return last.error if last is not None else self._twirp.out_of_time(method, self.deadline)


def _action(change: Message) -> dict[str, Message]:
    """An update request's action: `replace` with a whole object, `update` with a field-wise update (safe to repeat
    as well: it only sets values)."""
    return {"update" if type(change).DESCRIPTOR.name.endswith("Update") else "replace": change}


def client_for(connection: Endpoint) -> SIPClient:
    """One pooled client per LiveKit project per process."""
    return current().client(connection, SIPClient)
