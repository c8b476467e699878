"""LiveKit SIP telephony as Pulumi resources: dispatch rules and trunks.

    import pulumi_livekit as livekit

    rule = livekit.DispatchRule(
        "inbound",
        rule=livekit.DispatchRuleIndividual(room_prefix="call-"),
        room_config=livekit.RoomConfiguration(agents=[livekit.RoomAgentDispatch(agent_name="inbound-agent")]),
    )
"""

import importlib
from typing import TYPE_CHECKING, Any

# `X as X`: re-exported, as type checkers read it (PEP 484).
from ._exceptions import APIError as APIError
from ._exceptions import AuthenticationError as AuthenticationError
from ._exceptions import ConfigurationError as ConfigurationError
from ._exceptions import InvalidArgumentError as InvalidArgumentError
from ._exceptions import LiveKitError as LiveKitError
from ._exceptions import LookupFailedError as LookupFailedError
from ._exceptions import NotFoundError as NotFoundError
from ._exceptions import ResourceExhaustedError as ResourceExhaustedError
from ._exceptions import TransportError as TransportError
from ._exceptions import UnavailableError as UnavailableError
from ._exceptions import ValidationError as ValidationError

if TYPE_CHECKING:  # what type checkers see of the program side: every name its modules list in `__all__`
    from ._dynamic.found import *  # noqa: F403
    from ._dynamic.inputs import *  # noqa: F403
    from ._dynamic.lookups import *  # noqa: F403
    from ._dynamic.resources import *  # noqa: F403

# The program side (`_dynamic`), loaded on first use of one of its names: the provider plugin and the command line
# import this package without it.
_PROGRAM_SIDE = ("._dynamic.resources", "._dynamic.inputs", "._dynamic.lookups", "._dynamic.found")

if not TYPE_CHECKING:  # a module `__getattr__` would make every name a type checker does not know `Any`

    def __getattr__(name: str) -> Any:
        if name.startswith("_") and name != "__all__":  # asked by import machinery and tools: never the program side
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        modules = [importlib.import_module(module, __name__) for module in _PROGRAM_SIDE]
        public = {key: getattr(module, key) for module in modules for key in module.__all__}
        errors = [key for key, value in globals().items() if isinstance(value, type) and issubclass(value, LiveKitError)]
        public["__all__"] = sorted([*errors, *public])
        if name not in public:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        globals().update(public)
        return public[name]
