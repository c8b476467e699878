"""Creating an object over a network that may lose the answer: repeat only what provably never
arrived, and adopt what did.

The server may have stored an object even though the answer to its create was lost. A create
therefore repeats freely only when the request never left this machine (connection refused, no
connection or pool slot in time). It first notes which identical objects exist already (a filtered
List: LiveKit stamps no creation time to tell them apart later), so that an object that was there
before (another stack's twin outbound trunk) is never taken over; a caller that already knows what
the server holds (a dispatch rule's check listed it) passes that instead, and no List is sent.
After an ambiguous failure it looks for the object it was creating, by content (`find_applied`,
a single attempt), and adopts it when found; only otherwise does it send the create again, with
the same `X-Livekit-Request-Id`. LiveKit refuses a second dispatch rule with the same
trunk/number/PIN, so a create applied late still cannot produce a duplicate rule: the repeat fails
as a conflict, and the create looks again and adopts the stored rule.
"""

from __future__ import annotations

import logging
import time
from typing import Callable, Iterable, Optional, TypeVar

from google.protobuf.message import Message

from .._exceptions import InvalidArgumentError, LiveKitError, ResourceExhaustedError, TransportError, UnavailableError
from .._model.stored import as_stored, object_id
from .retry import Budget, Retryable
from .twirp import Twirp, new_request_id

log = logging.getLogger("pulumi_livekit")

M = TypeVar("M", bound=Message)


def create_or_adopt(twirp: Twirp, budget: Budget, method: str, request: Message, response_type: type[M], wanted: M, *,
                    find_applied: Callable[[Budget], list[M]], known_before: Optional[Iterable[M]],
                    gave_up: Callable[[Optional[Retryable]], LiveKitError]) -> M:
    """The object `request` creates (`wanted`, as sent), created once or adopted after a lost answer.
    `find_applied(budget)` lists the objects it could be; `known_before`, if given, is what the server
    held before (else `find_applied` is asked first); `gave_up(last failure)` is raised once the budget
    is spent."""
    request_id = new_request_id()
    before = find_applied(budget.next_request()) if known_before is None else known_before
    others = {object_id(twin) for twin in _same_as(before, wanted)}
    maybe_applied = False
    last: Optional[Retryable] = None
    while budget.next_attempt():
        if maybe_applied:
            existing = _find_ours(twirp, find_applied, wanted, others, budget, settle=last is not None and last.timed_out)
            if existing is not None:
                log.info("%s: adopting %s stored by an earlier attempt", method, object_id(existing))
                return existing
        try:
            return twirp.call(method, request, response_type, request_id, budget.remaining())
        except Retryable as failure:
            last = failure
            maybe_applied = maybe_applied or failure.sent
        except InvalidArgumentError:
            # A repeat of a create that the server applied late conflicts with itself.
            existing = _find_ours(twirp, find_applied, wanted, others, budget) if maybe_applied else None
            if existing is not None:
                return existing
            raise
    raise gave_up(last)


def _find_ours(twirp: Twirp, find_applied: Callable[[Budget], list[M]], wanted: M, others: set[str],
               budget: Budget, *, settle: bool = False) -> Optional[M]:
    """The object this create stored, if the server has it: equal to `wanted`, and none of `others`
    (the identical objects that were there before).

    After a timed-out create, which may still be on its way to the server, look for it for as long
    again as the answer was awaited (within the deadline) before it is sent anew: LiveKit stores
    identical outbound trunks side by side, so a repeat sent while the first is in flight would
    make a twin."""
    settle_until = min(budget.deadline, time.monotonic() + (twirp.timeout.read or 0.0)) if settle else 0.0
    while True:
        try:
            candidates = _same_as(find_applied(budget.single_attempt()), wanted)
            existing = next((c for c in candidates if object_id(c) not in others), None)
        except (TransportError, UnavailableError, ResourceExhaustedError):
            existing = None
        if existing is not None or time.monotonic() >= settle_until:
            return existing
        time.sleep(min(0.5, max(0.0, settle_until - time.monotonic())))


def _same_as(candidates: Iterable[M], wanted: M) -> list[M]:
    """The candidates that hold what `wanted` holds, as LiveKit stores it."""
    target = as_stored(wanted)
    return [c for c in candidates if as_stored(c) == target]
