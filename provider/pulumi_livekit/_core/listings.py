"""What a LiveKit project holds, as this process last listed it: one listing per kind of object
and project, shared by reads (refresh, import) and by the dispatch rules' conflict checks.

Reads: a refresh (or import) of N resources makes one List request per kind, not N. A write
this process makes to a kind marks its listing, and the next read lists again, so a read never
returns what this process has since changed.

Conflict checks: a rule the program creates, or moves to other calls (its trunks, numbers or
PIN change), is looked up in the listing of the server's rules, taken when the first such rule
is checked, so a preview that changes no rule's calls sends no request. The listing is then
kept current with this process's own writes (a deployment checks a rule after creating others),
so a deployment lists at most once too. What other people change on the server meanwhile is
left to the server, which refuses a conflict at create and at update.

The same listing tells a create which identical rules were there before it (see `_api.adoption`), so
that it sends no List of its own. A twin someone else makes between the check and the create
goes unseen there; LiveKit refuses our create next to it, and only if that refusal's answer is
lost too would the create take the twin for its own.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Callable, Iterator, Optional

from google.protobuf.message import Message
from livekit.protocol import sip as sip_pb

from .._api.endpoint import Endpoint
from .._exceptions import LiveKitError
from .._model.properties import comparable
from .._model.stored import object_id
from ..routing import rule_claims

Claim = tuple[str, str, str, str]


def claims_of(rule: sip_pb.SIPDispatchRuleInfo) -> frozenset[Claim]:
    return frozenset(claim for claim, _ in rule_claims(rule))


class _Listing:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.items: Optional[dict[str, Message]] = None  # by ID; None until listed
        self.error: Optional[LiveKitError] = None
        self.holders: dict[Claim, str] = {}  # dispatch rules: claim -> ID of the rule holding it
        self.written = False  # this process wrote to the kind since it was listed
        # IDs by `comparable` content, once asked for (`identical`); kept current after that.
        self.by_content: Optional[dict[bytes, set[str]]] = None

    def take(self, fetch: Callable[[], list[Message]]) -> None:
        self.items, self.holders, self.error, self.written, self.by_content = {}, {}, None, False, None
        try:
            for item in fetch():
                self.put(item)
        except LiveKitError as error:  # every caller waiting on the listing fails alike, no one asks again
            self.items, self.error = None, error

    def take_once(self, fetch: Callable[[], list[Message]]) -> None:
        """Listed unless listed (or failed) before; raises the listing's error. The caller holds `lock`."""
        if self.items is None and self.error is None:
            self.take(fetch)
        if self.error is not None:
            raise self.error

    def identical(self, message: Message) -> list[Message]:
        """The listed objects that hold what `message` holds (`comparable`). The caller holds `lock`."""
        if self.by_content is None:
            self.by_content = {}
            for item in self.items.values():
                self.by_content.setdefault(comparable(item), set()).add(object_id(item))
        return [self.items[item_id] for item_id in sorted(self.by_content.get(comparable(message), ()))]

    def put(self, item: Message) -> None:
        self.remove(object_id(item))
        self.items[object_id(item)] = item
        if self.by_content is not None:
            self.by_content.setdefault(comparable(item), set()).add(object_id(item))
        if isinstance(item, sip_pb.SIPDispatchRuleInfo):
            for claim in claims_of(item):
                self.holders[claim] = object_id(item)

    def in_the_way(self, rule: sip_pb.SIPDispatchRuleInfo, own_claims: frozenset[Claim]
                   ) -> Optional[tuple[sip_pb.SIPDispatchRuleInfo, str]]:
        """The first listed rule that takes some of the calls `rule` takes, and what they share; not the one
        that claims exactly `own_claims` (the resource's own rule, which the change replaces)."""
        for claim, reason in rule_claims(rule):
            holder = self.items.get(self.holders.get(claim, ""))
            if holder is not None and claims_of(holder) != own_claims:
                return holder, reason
        return None

    def remove(self, item_id: str) -> None:
        old = self.items.pop(item_id, None)
        if old is not None and self.by_content is not None:
            self.by_content.get(comparable(old), set()).discard(item_id)
        for claim in claims_of(old) if isinstance(old, sip_pb.SIPDispatchRuleInfo) else ():
            if self.holders.get(claim) == item_id:
                del self.holders[claim]


class Listings:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listings: dict[tuple[Endpoint, type[Message]], _Listing] = {}

    def for_read(self, endpoint: Endpoint, kind: type[Message], fetch: Callable[[], list[Message]]
                 ) -> dict[str, Message]:
        """The kind's objects by ID, listed after this process's last write to the kind."""
        listing = self._listing(endpoint, kind)
        with listing.lock:  # the engine reads several resources at once: list once, the others wait
            if (listing.items is None and listing.error is None) or listing.written:
                listing.take(fetch)
            if listing.error is not None:
                raise listing.error
            return listing.items

    def verify(self, endpoint: Endpoint, fetch: Callable[[], list[sip_pb.SIPDispatchRuleInfo]]) -> None:
        """The project's dispatch rules listed once per process, as the conflict checks read them: raises what
        that listing raised (a refused key, a server out of reach), to every caller, without asking again."""
        listing = self._listing(endpoint, sip_pb.SIPDispatchRuleInfo)
        with listing.lock:
            listing.take_once(fetch)

    def identical(self, endpoint: Endpoint, fetch: Callable[[], list[Message]], message: Message) -> list[Message]:
        """The objects of `message`'s kind in the project that hold what it holds (credentials aside), from the
        process's listing of the kind, taken if it has none."""
        listing = self._listing(endpoint, type(message))
        with listing.lock:
            listing.take_once(fetch)
            return listing.identical(message)

    def conflict(self, endpoint: Endpoint, fetch: Callable[[], list[sip_pb.SIPDispatchRuleInfo]],
                 rule: sip_pb.SIPDispatchRuleInfo, own_claims: frozenset[Claim]
                 ) -> Optional[tuple[sip_pb.SIPDispatchRuleInfo, str]]:
        """A rule on the server that `rule` cannot be stored next to, and what they share.
        `own_claims` are what the resource's rule claimed before this change (see `in_the_way`)."""
        listing = self._listing(endpoint, sip_pb.SIPDispatchRuleInfo)
        with listing.lock:
            listing.take_once(fetch)
            return listing.in_the_way(rule, own_claims)

    def refused(self, endpoint: Endpoint, fetch: Callable[[], list[sip_pb.SIPDispatchRuleInfo]],
                rule: sip_pb.SIPDispatchRuleInfo) -> Optional[tuple[sip_pb.SIPDispatchRuleInfo, str]]:
        """After LiveKit refused to create `rule`: the rule in its way, from a listing taken anew, which this
        process keeps. Someone stored it after the process last looked: another stack, perhaps, deploying at
        the same time."""
        listing = self._listing(endpoint, sip_pb.SIPDispatchRuleInfo)
        with listing.lock:
            listing.take(fetch)
            if listing.error is not None:
                raise listing.error
            return listing.in_the_way(rule, frozenset())

    def sharing_calls(self, endpoint: Endpoint, rule: sip_pb.SIPDispatchRuleInfo
                      ) -> Optional[list[sip_pb.SIPDispatchRuleInfo]]:
        """The rules on the server, as this process knows them, that take some of the calls `rule` takes (a rule
        identical to it takes them all); None if the process has not listed the server's rules."""
        listing = self._listed(endpoint, sip_pb.SIPDispatchRuleInfo)
        if listing is None:
            return None
        with listing.lock:
            if listing.items is None:
                return None
            holders = {listing.holders[claim] for claim in claims_of(rule) if claim in listing.holders}
            return [listing.items[rule_id] for rule_id in holders]

    @contextlib.contextmanager
    def writing(self, endpoint: Endpoint, kind: type[Message]) -> Iterator[None]:
        """Around a write: the next read lists again, succeeded or not (a failed create may have landed)."""
        try:
            yield
        finally:
            listing = self._listed(endpoint, kind)
            if listing is not None:
                with listing.lock:
                    listing.written = True

    def stored(self, endpoint: Endpoint, item: Message) -> None:
        """This process created or updated `item` (as the server answered it)."""
        self._update(endpoint, type(item), lambda listing: listing.put(item))

    def deleted(self, endpoint: Endpoint, kind: type[Message], item_id: str) -> None:
        self._update(endpoint, kind, lambda listing: listing.remove(item_id))

    def _update(self, endpoint: Endpoint, kind: type[Message], change: Callable[[_Listing], None]) -> None:
        listing = self._listed(endpoint, kind)
        if listing is not None:
            with listing.lock:
                if listing.items is not None:
                    change(listing)

    def _listing(self, endpoint: Endpoint, kind: type[Message]) -> _Listing:
        with self._lock:
            return self._listings.setdefault((endpoint, kind), _Listing())

    def _listed(self, endpoint: Endpoint, kind: type[Message]) -> Optional[_Listing]:
        with self._lock:
            return self._listings.get((endpoint, kind))
