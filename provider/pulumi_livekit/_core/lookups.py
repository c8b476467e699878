"""Lookups: the LiveKit objects a stack reads without managing them, found by ID, by name, or by a number they serve.

One implementation for every kind and both entrances (a Python program's `get_inbound_trunk(...)`, the provider
plugin's `livekit:index:getInboundTrunk`). A lookup is one List request, narrowed by LiveKit's own filters: by ID
when one is given, else by number where the kind's list request takes a number (`Methods.list_numbers`), else the
whole kind. What comes back is matched here again, as LiveKit compares numbers, so the answer is right whatever
the server did with the filter: LiveKit 1.13.5 also returns, for a number, the trunks that list no number at all,
and a server that ignored the filter would return everything.

Identical requests in one process share one answer (`Requests`): a program's lookups of a kind by two names cost
one request between them, and a lookup repeated in a program (or by a deployment's invokes) costs none.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Callable, Optional

from google.protobuf.message import Message

from .._api.endpoint import Endpoint
from .._exceptions import LiveKitError, LookupFailedError
from .._model.kinds import Kind
from .._model.numbers import normalize_number, same_number
from .._model.stored import object_id

# How many of the objects a lookup searched its failure names.
_SHOWN = 5


@dataclass(frozen=True)
class Query:
    """What a lookup finds: the objects of `kind` matching every key given."""

    kind: Kind
    id: Optional[str] = None
    name: Optional[str] = None
    number: Optional[str] = None

    @property
    def keys(self) -> dict[str, str]:
        """The keys given, by name (`id`, `name`, `number`)."""
        return {key: getattr(self, key) for key in KEYS if getattr(self, key) is not None}

    def filters(self) -> dict[str, list[str]]:
        """The List request's filters (`SIPClient.list`'s keywords): the narrowest LiveKit has for the keys."""
        if self.id is not None:
            return {"ids": [self.id]}
        number_filter = self.kind.methods.list_numbers
        if self.number is not None and number_filter is not None:
            # Both spellings: LiveKit compares an outbound trunk's numbers as written.
            return {number_filter: list(dict.fromkeys((self.number, normalize_number(self.number))))}
        return {}

    def matches(self, message: Message) -> bool:
        if self.id is not None and getattr(message, self.kind.id_field) != self.id:
            return False
        if self.name is not None and message.name != self.name:
            return False
        served = getattr(message, self.kind.served_numbers)
        return self.number is None or any(same_number(self.number, number) for number in served)

    @property
    def criteria(self) -> str:
        """`with name "Main line" and number "+15105550100"`; empty for no key."""
        keys = [f'{key} "{value}"' for key, value in self.keys.items()]
        return f"with {_listed(keys)}" if keys else ""


KEYS = tuple(field.name for field in fields(Query) if field.name != "kind")


def query_problems(values: Mapping[str, Any], *, one: bool) -> list[tuple[str, str]]:
    """(key, problem) for each lookup key that is not a non-empty string (None: not given); for a lookup of `one`
    object, also when no key is given."""
    problems = [(key, f"must be a non-empty string, got {value!r}" if isinstance(value, str)
                 else f"must be a string, got {type(value).__name__}")
                for key, value in values.items()
                if key in KEYS and value is not None and not (isinstance(value, str) and value.strip())]
    problems += [(key, f"unknown lookup key; expected one of: {', '.join(KEYS)}") for key in values if key not in KEYS]
    if one and not problems and all(values.get(key) is None for key in KEYS):
        problems.append(("", f"give at least one of {', '.join(KEYS)}: the object to find"))
    return problems


@dataclass(frozen=True)
class Found:
    """What a lookup found, and what it searched to find it."""

    query: Query
    matches: list[Message]
    searched: list[Message]  # what the List request answered
    endpoint: Endpoint

    def the_one(self) -> Message:
        """The single match; else `LookupFailedError` naming what was searched and what was found."""
        if len(self.matches) == 1:
            return self.matches[0]
        kind, where = self.query.kind, f"in the LiveKit project at {self.endpoint.url}"
        if not self.matches:
            raise LookupFailedError(f"found no {kind.noun} {self.query.criteria} {where}: {self._searched()}",
                                    found=0)
        raise LookupFailedError(
            f"found {_count(len(self.matches), kind.noun)} {self.query.criteria} {where}, where one was expected: "
            f"{_labels(self.matches)}. Narrow the lookup by id, name or number, or use the list form for every match",
            found=len(self.matches))

    def _searched(self) -> str:
        noun = self.query.kind.noun
        if self.searched:
            return f"searched {_count(len(self.searched), noun)}: {_labels(self.searched)}"
        if self.query.filters():
            return f"LiveKit holds no {noun} with that {'ID' if self.query.id is not None else 'number'}"
        return f"LiveKit holds no {noun} at all"


class Requests:
    """The answers of the List requests lookups sent from this process, one per distinct request, shared by every
    lookup that sends the same; a failed one fails each of them alike."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._answers: dict[tuple, _Answer] = {}

    def answer(self, endpoint: Endpoint, query: Query, fetch: Callable[[], list[Message]]) -> list[Message]:
        filters = query.filters()
        key = (endpoint, query.kind.name, tuple(sorted((name, tuple(values)) for name, values in filters.items())))
        with self._lock:
            answer = self._answers.setdefault(key, _Answer())
        return answer.take(fetch)


class _Answer:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: Optional[list[Message]] = None
        self._error: Optional[LiveKitError] = None

    def take(self, fetch: Callable[[], list[Message]]) -> list[Message]:
        with self._lock:  # lookups run at once: the first sends, the others wait for its answer
            if self._items is None and self._error is None:
                try:
                    self._items = fetch()
                except LiveKitError as error:
                    self._error = error
            if self._error is not None:
                raise self._error
            return self._items


def find(query: Query, client: Any, requests: Requests) -> Found:
    """The objects `query` matches, through `client` (a `SIPClient`), the request shared in `requests`."""
    searched = requests.answer(client.connection, query,
                               lambda: client.list(query.kind, **query.filters()))
    return Found(query, [item for item in searched if query.matches(item)], searched, client.connection)


def _count(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _labels(items: list[Message]) -> str:
    shown = [f'{object_id(item)} "{item.name}"' if item.name else object_id(item) for item in items[:_SHOWN]]
    more = len(items) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more else "")


def _listed(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
