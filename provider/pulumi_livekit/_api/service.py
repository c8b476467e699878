"""What every LiveKit service client shares: one Twirp transport, the retry policy, and a deadline per operation."""

from __future__ import annotations

import time
from typing import Any, ClassVar, Mapping, Optional, TypeVar

import httpx
from google.protobuf.message import Message

from .._exceptions import LiveKitError
from .endpoint import Endpoint
from .redact import Scrubber
from .retry import Budget, Retryable, RetryPolicy, configured_deadline, configured_timeout
from .twirp import Twirp, new_request_id

M = TypeVar("M", bound=Message)


class ServiceClient:
    """Thread-safe; one instance keeps one connection pool."""

    service: ClassVar[str]
    grants: ClassVar[Optional[Mapping[str, Any]]] = None  # the token's grants; None: the SIP service's

    def __init__(
        self,
        connection: Endpoint,
        *,
        timeout: Optional[httpx.Timeout] = None,
        retry: Optional[RetryPolicy] = None,
        deadline: Optional[float] = None,
        transport: Optional[httpx.BaseTransport] = None,
        scrub: Optional[Scrubber] = None,
    ) -> None:
        self.connection = connection
        self.deadline = configured_deadline() if deadline is None else deadline
        self._twirp = Twirp(connection, timeout=configured_timeout() if timeout is None else timeout,
                            transport=transport, service=self.service, grants=self.grants, scrub=scrub)
        self._retry = retry or RetryPolicy()

    @property
    def timeout(self) -> httpx.Timeout:
        """Each request's timeout (cut to what is left of its operation's deadline)."""
        return self._twirp.timeout

    def close(self) -> None:
        self._twirp.close()

    def __enter__(self) -> "ServiceClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _budget(self) -> Budget:
        return Budget(self._retry, time.monotonic() + self.deadline)

    def _call(self, method: str, request: Message, response_type: type[M], budget: Optional[Budget] = None) -> M:
        """An RPC that is safe to repeat: retried on any retryable failure, within the operation's budget."""
        budget = budget or self._budget()
        request_id = new_request_id()
        return budget.repeat(lambda: self._twirp.call(method, request, response_type, request_id, budget.remaining()),
                             method, lambda last: self._gave_up(method, last))

    def _gave_up(self, method: str, last: Optional[Retryable]) -> LiveKitError:
        return last.error if last is not None else self._twirp.out_of_time(method, self.deadline)
