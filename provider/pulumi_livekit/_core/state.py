"""Everything this package keeps between calls in one process, in one object.

A provider process keeps the listings of each LiveKit project (`listings`), the dispatch rules
its deployment declared (`declared`), what its stack's checkpoint says of creates an earlier run
left pending (`interrupted`), one pooled API client per project, and the secrets to scrub from
text; a program keeps its routing review (`_dynamic.routing_review`); both keep the answers of
their lookups (`lookups`). Neither kind
of process starts in code this package owns (Pulumi's own dynamic-provider host may run the
providers, and the user writes the program), so the state is made at first use; `reset()` starts
it over in one call, for a test or anything else that must not see what came before.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Iterable, Optional

from .._api.endpoint import Endpoint
from .._api.redact import scrubbed
from .declared import DeclaredRules
from .interrupted import StackRecords
from .listings import Listings
from .lookups import Requests

if TYPE_CHECKING:  # the client (httpx, jwt) is imported when the process first calls the API
    import httpx

    from .._api.client import SIPClient


class Secrets:
    """The secret values this process has handled: what `redact` scrubs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()
        self._ordered: list[str] = []

    def add(self, values: Iterable[object]) -> None:
        fresh = {v for v in values if isinstance(v, str) and v} - self._values
        if fresh:
            with self._lock:
                self._values |= fresh
                self._ordered = sorted(self._values, key=len, reverse=True)

    def longest_first(self) -> list[str]:
        """Longest first: a secret that contains another is scrubbed whole."""
        return self._ordered


class ProcessState:
    def __init__(self) -> None:
        self.listings = Listings()
        self.lookups = Requests()  # the List requests lookups sent (see `lookups`)
        self.declared_rules = DeclaredRules()
        self.stack_records = StackRecords()
        self.secrets = Secrets()
        # The program's routing review, made by the first resource it declares (see `_dynamic.routing_review`).
        self.review: Optional[Any] = None
        self._clients: dict[Endpoint, SIPClient] = {}
        self._clients_lock = threading.Lock()
        # What the clients send requests through; None: the network (a test hands its own).
        self.transport: Optional[httpx.BaseTransport] = None

    def client(self, endpoint: Endpoint) -> SIPClient:
        """The process's one client of `endpoint`'s project, made on first use; its errors scrubbed of every
        secret the process has handled."""
        with self._clients_lock:
            client = self._clients.get(endpoint)
            if client is None:
                from .._api.client import SIPClient

                client = self._clients[endpoint] = SIPClient(endpoint, scrub=redact, transport=self.transport)
            return client

    def close(self) -> None:
        with self._clients_lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            client.close()


_current = ProcessState()
_current_lock = threading.Lock()


def current() -> ProcessState:
    return _current


def reset() -> ProcessState:
    """Start the process's state over (closing its clients); returns the new state."""
    global _current
    with _current_lock:
        previous, _current = _current, ProcessState()
    previous.close()
    return _current


def client_for(endpoint: Endpoint) -> SIPClient:
    """One pooled client per LiveKit project per process."""
    return current().client(endpoint)


def register_secrets(values: Iterable[object]) -> None:
    """Values `redact` scrubs from now on, in this process."""
    current().secrets.add(values)


def redact(text: str) -> str:
    """`text` without any secret this process has handled, nor an access token."""
    return scrubbed(text, current().secrets.longest_first())
