"""The SIP service's operations on every resource kind, over the Twirp transport and the retry policy.

Each kind's methods and requests are named in its table (`_model.kinds`). Reads, updates (a replace, or a
field-wise update that only sets values) and deletes are safe to repeat: each is one `Budget.repeat`. Listings follow every page. A create may have been
stored although its answer was lost: it repeats or adopts as `adoption` says.
"""

from __future__ import annotations

from typing import Iterable, Optional, TypeVar

from google.protobuf.message import Message

from .._model.kinds import Kind
from .adoption import create_or_adopt
from .retry import DEADLINE_ENV, DEFAULT_DEADLINE, DEFAULT_TIMEOUT, TIMEOUT_ENV, Budget, RetryPolicy
from .service import ServiceClient
from .twirp import REQUEST_ID_HEADER, SERVICE

# The client, and the settings and header its callers (and tests) name.
__all__ = ["DEADLINE_ENV", "DEFAULT_DEADLINE", "DEFAULT_TIMEOUT", "PAGE_SIZE", "REQUEST_ID_HEADER", "TIMEOUT_ENV",
           "RetryPolicy", "SIPClient"]

M = TypeVar("M", bound=Message)

PAGE_SIZE = 500


class SIPClient(ServiceClient):
    service = SERVICE

    def create(self, kind: Kind, info: M, *, known_before: Optional[Iterable[M]] = None) -> M:
        """`known_before`: the server's objects as the caller last saw them, if it did (else one filtered List)."""
        methods = kind.methods

        def find_applied(budget: Budget) -> list[M]:
            return self.list(kind, budget=budget, **{methods.created_by: getattr(info, methods.created_by)})

        request = methods.create_request(**{methods.create_field: info})
        return create_or_adopt(self._twirp, self._budget(), methods.create, request, kind.message, info,
                               find_applied=find_applied, known_before=known_before,
                               gave_up=lambda last: self._gave_up(methods.create, last))

    def update(self, kind: Kind, object_id: str, change: Message) -> Message:
        """`change`: the whole object to store (`replace`), or a field-wise update the server applies to the object
        it holds (the kind's `fieldwise` message, see `_model.field_update`)."""
        action = "update" if isinstance(change, kind.methods.fieldwise) else "replace"
        request = kind.methods.update_request(**{kind.id_field: object_id, action: change})
        return self._call(kind.methods.update, request, kind.message)

    def list(self, kind: Kind, *, ids: Iterable[str] = (), budget: Optional[Budget] = None,
             **filters: Iterable[str]) -> list:
        """Every object of the kind, or those with `ids`, or those the list request's `filters` select (a rule's
        `trunk_ids`, a trunk's `numbers`)."""
        methods = kind.methods
        fields = {methods.list_ids: list(ids), **{name: list(values) for name, values in filters.items()}}
        return self._list(kind, methods.list_request(**fields), budget)

    def get(self, kind: Kind, object_id: str) -> Optional[Message]:
        """The object with this ID, or None when there is none: a list filtered by the ID."""
        return next((item for item in self.list(kind, ids=[object_id]) if getattr(item, kind.id_field) == object_id),
                    None)

    def delete(self, kind: Kind, object_id: str) -> None:
        methods = kind.methods
        self._call(methods.delete, methods.delete_request(**{kind.id_field: object_id}), methods.delete_response)

    def _list(self, kind: Kind, request: Message, budget: Optional[Budget]) -> list:
        """Follow `page.after_id` until a short page; servers that ignore paging answer everything at once.
        Each page has the operation's attempts; all of them share its deadline."""
        budget = budget or self._budget()
        items: dict[str, Message] = {}
        request.page.limit = PAGE_SIZE
        while True:
            page = self._call(kind.methods.list, request, kind.methods.list_response, budget.next_request()).items
            fresh = [item for item in page if getattr(item, kind.id_field) not in items]
            for item in fresh:
                items[getattr(item, kind.id_field)] = item
            if len(page) < PAGE_SIZE or not fresh:
                return list(items.values())
            request.page.after_id = getattr(page[-1], kind.id_field)
