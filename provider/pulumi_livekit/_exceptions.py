"""One exception hierarchy for everything pulumi_livekit raises.

Messages never contain credentials: the API secret and tokens are not passed to
any constructor here, and PINs / trunk passwords are redacted by the caller
(`_api.redact`) before a server message is wrapped.
"""

from __future__ import annotations

from typing import Optional


class LiveKitError(Exception):
    """Base class of every error raised by pulumi_livekit."""


class ConfigurationError(LiveKitError):
    """Connection settings (URL, API key, API secret) are missing or malformed."""

    def __init__(self, message: str, *, field: str) -> None:
        self.field = field  # url, api_key or api_secret
        super().__init__(message)


class OtherProjectError(LiveKitError):
    """An object was made in another LiveKit project than the one the connection now reaches: nothing is sent
    there with its ID."""


class ValidationError(LiveKitError):
    """A resource input is malformed. `path` names the property, e.g. `rule.dispatchRuleDirect.pin`."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}" if path else problem)


class LookupFailedError(LiveKitError):
    """A lookup found no object, or several where one was expected. `found` is how many matched."""

    def __init__(self, message: str, *, found: int) -> None:
        self.found = found
        super().__init__(message)


class TransportError(LiveKitError):
    """LiveKit could not be reached, or did not answer within the timeout.

    Carries `code`, `status` and `rpc` like `APIError`, so callers can report any failed call
    alike; `status` is None as no HTTP answer arrived.
    """

    def __init__(self, message: str, *, rpc: str, url: str, code: str = "unavailable") -> None:
        self.code = code  # Twirp's code for the failure: unavailable or deadline_exceeded
        self.status: Optional[int] = None
        self.rpc = rpc
        self.url = url
        super().__init__(message)


class APIError(LiveKitError):
    """LiveKit answered with a Twirp error."""

    def __init__(
        self, message: str, *, code: str, status: int, rpc: str, server_message: str
    ) -> None:
        self.code = code
        self.status = status
        self.rpc = rpc
        self.server_message = server_message
        super().__init__(message)


class NotFoundError(APIError):
    """Twirp `not_found`: the rule or trunk does not exist."""


class InvalidArgumentError(APIError):
    """Twirp `invalid_argument` / `malformed` / `failed_precondition`, e.g. a conflicting rule."""


class AuthenticationError(APIError):
    """Twirp `unauthenticated` / `permission_denied`: the key, secret or grant was refused."""


class ResourceExhaustedError(APIError):
    """Twirp `resource_exhausted` (HTTP 429): rate limited or over quota."""


class UnavailableError(APIError):
    """Twirp `unavailable` / `internal` / `unknown` and other server-side failures."""


_ERRORS_BY_CODE: dict[str, type[APIError]] = {
    "not_found": NotFoundError,
    "invalid_argument": InvalidArgumentError,
    "malformed": InvalidArgumentError,
    "failed_precondition": InvalidArgumentError,
    "already_exists": InvalidArgumentError,
    "out_of_range": InvalidArgumentError,
    "unauthenticated": AuthenticationError,
    "permission_denied": AuthenticationError,
    "resource_exhausted": ResourceExhaustedError,
}


def api_error_class(code: str, status: int) -> type[APIError]:
    cls: Optional[type[APIError]] = _ERRORS_BY_CODE.get(code)
    if cls is None and status in (401, 403):
        cls = AuthenticationError
    if cls is None and status == 429:
        cls = ResourceExhaustedError
    return cls or UnavailableError


class AdoptError(LiveKitError):
    """`livekit-adopt` cannot write the program asked for (files in the way, nothing matched, a field it cannot declare)."""
