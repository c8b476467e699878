"""Everything this package keeps between calls in one process, in one object.

A provider process keeps the listings of each LiveKit project (`_listings`), the dispatch rules
its deployment declared (`_declared`), one pooled API client per project, and the secrets to
scrub from text (`_redact`); a program keeps its routing review (`_routing_review`). Neither kind
of process starts in code this package owns (Pulumi's own dynamic-provider host may run the
providers, and the user writes the program), so the state is made at first use; `reset()` starts
it over in one call, for a test or anything else that must not see what came before.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Iterable, Optional, TypeVar

from .._api.endpoint import Endpoint
from .declared import DeclaredRules
from .listings import Listings

C = TypeVar("C")


class Secrets:
    """The secret values this process has handled: what `_redact.redact` scrubs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()

    def add(self, values: Iterable[object]) -> None:
        with self._lock:
            self._values.update(v for v in values if isinstance(v, str) and v)

    def longest_first(self) -> list[str]:
        """Longest first: a secret that contains another is scrubbed whole."""
        with self._lock:
            return sorted(self._values, key=len, reverse=True)


class ProcessState:
    def __init__(self) -> None:
        self.listings = Listings()
        self.declared_rules = DeclaredRules()
        self.secrets = Secrets()
        # The program's routing review, made by the first resource it declares (see `_routing_review`).
        self.review: Optional[Any] = None
        self._clients: dict[Endpoint, Any] = {}
        self._clients_lock = threading.Lock()

    def client(self, endpoint: Endpoint, make: Callable[[Endpoint], C]) -> C:
        """The process's one client of `endpoint`'s project, made by `make` on first use."""
        with self._clients_lock:
            client = self._clients.get(endpoint)
            if client is None:
                client = self._clients[endpoint] = make(endpoint)
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
