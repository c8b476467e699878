"""How long and how often one API operation may try: the single retry and deadline policy.

Every operation is bounded by a number of attempts and by an overall deadline
(`PULUMI_LIVEKIT_DEADLINE`, default 60 s), whichever ends first; each request's own timeout
is cut to what is left of the deadline. Repeats wait a jittered exponential backoff. What
counts as worth repeating is the transport's to say (`Retryable`); whether a create may be
repeated is `adoption`'s.
"""

from __future__ import annotations

import logging
import os
import random
import time
from typing import Callable, Optional, TypeVar

import httpx

from .._exceptions import ConfigurationError, LiveKitError, TransportError

log = logging.getLogger("pulumi_livekit")

T = TypeVar("T")

DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=15.0, write=15.0, pool=15.0)
TIMEOUT_ENV = "PULUMI_LIVEKIT_TIMEOUT"
DEFAULT_DEADLINE = 60.0
DEADLINE_ENV = "PULUMI_LIVEKIT_DEADLINE"


class RetryPolicy:
    def __init__(self, attempts: int = 5, base_delay: float = 0.2, max_delay: float = 3.0) -> None:
        self.attempts = attempts
        self.base_delay = base_delay
        self.max_delay = max_delay

    def delay(self, attempt: int) -> float:
        # Full jitter: concurrent retries spread out instead of hitting the server in waves.
        return random.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))


def _seconds_from_env(name: str, what: str) -> Optional[float]:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        seconds = float("nan")
    if not 0 < seconds < float("inf"):
        raise ConfigurationError(f"{name} must be a positive number of seconds, got {raw!r}", field=what)
    return seconds


def configured_timeout() -> httpx.Timeout:
    """`DEFAULT_TIMEOUT`, or every phase (connect, write, read, pool) set to $PULUMI_LIVEKIT_TIMEOUT seconds."""
    seconds = _seconds_from_env(TIMEOUT_ENV, "timeout")
    return DEFAULT_TIMEOUT if seconds is None else httpx.Timeout(seconds)


def configured_deadline() -> float:
    """Seconds one operation may take in all, retries included: $PULUMI_LIVEKIT_DEADLINE or 60."""
    seconds = _seconds_from_env(DEADLINE_ENV, "deadline")
    return DEFAULT_DEADLINE if seconds is None else seconds


class Retryable(Exception):
    """An attempt failed in a way that may succeed if repeated."""

    def __init__(self, error: LiveKitError, *, sent: bool) -> None:
        self.error = error
        # False when the request provably never reached the server (no connection was made).
        self.sent = sent

    @property
    def timed_out(self) -> bool:
        """The answer was awaited in vain: the request may still be on its way to the server."""
        return isinstance(self.error, TransportError) and self.error.code == "deadline_exceeded"


class Budget:
    """What one API operation may still spend: its attempts and its overall deadline (a monotonic time)."""

    def __init__(self, retry: RetryPolicy, deadline: float, *, attempts: Optional[int] = None) -> None:
        self.retry = retry
        self.attempts = retry.attempts if attempts is None else attempts
        self.deadline = deadline
        self.started = 0

    def single_attempt(self) -> "Budget":
        """One attempt, within what is left of this deadline."""
        return Budget(self.retry, self.deadline, attempts=1)

    def next_request(self) -> "Budget":
        """Another request of the same operation: as many attempts as this one allows, the same deadline."""
        return Budget(self.retry, self.deadline, attempts=self.attempts)

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def next_attempt(self) -> bool:
        """Wait out the backoff before a repeat; False once the attempts or the time are used up."""
        if self.started >= self.attempts:
            return False
        if self.started:
            time.sleep(max(0.0, min(self.retry.delay(self.started), self.remaining())))
        if self.remaining() <= 0:
            return False
        self.started += 1
        return True

    def repeat(self, attempt: Callable[[], T], what: str, gave_up: Callable[[Optional[Retryable]], LiveKitError]) -> T:
        """`attempt()` until it succeeds; once the budget is spent, raise `gave_up(the last failure)`."""
        last: Optional[Retryable] = None
        while self.next_attempt():
            try:
                return attempt()
            except Retryable as failure:
                last = failure
                log.debug("%s attempt %d failed: %s", what, self.started, failure.error)
        raise gave_up(last)


def within(timeout: httpx.Timeout, remaining: float) -> httpx.Timeout:
    """Each phase of `timeout`, cut to the time left of the operation."""
    remaining = max(remaining, 0.001)
    return httpx.Timeout(connect=min(timeout.connect or remaining, remaining),
                         read=min(timeout.read or remaining, remaining),
                         write=min(timeout.write or remaining, remaining),
                         pool=min(timeout.pool or remaining, remaining))
