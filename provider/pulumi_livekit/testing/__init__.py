"""Test bed helpers: a real livekit-server with Redis, the real `pulumi` CLI on a program, and a test
agent worker on livekit-agents.

Also a LiveKit cluster: nodes on one Redis behind a TCP load balancer; a fault proxy, which can be a TLS
endpoint; what the started processes listen on; and random declarations of the SIP objects for differential
runs. Every server listens on 127.0.0.1 only.

Used by the project's tests, benchmarks and `make demo`, from a clone: it runs the clone's tools (`.tools/`,
`tools/agent-worker`, the routing oracle), so the wheel leaves it out.
"""

from ._agent_worker import AgentWorker
from ._cluster import LocalLiveKitCluster, TCPBalancer
from ._declarations import Declarations
from ._livekit import Credentials, LocalLiveKit, free_port
from ._processes import descendants, signal_tree
from ._proxy import Fault, FaultProxy, unknown_field, with_unknown_field
from ._pulumi import Diagnostic, PulumiCommandError, PulumiStack, Result, resource_name
from ._routing_oracle import RoutingOracle, RoutingOracleError
from ._sockets import Listener, listening_sockets
from ._tools import REPO_ROOT, tool_path

__all__ = [
    "AgentWorker",
    "Credentials",
    "Declarations",
    "Diagnostic",
    "Fault",
    "FaultProxy",
    "Listener",
    "LocalLiveKit",
    "LocalLiveKitCluster",
    "PulumiCommandError",
    "PulumiStack",
    "REPO_ROOT",
    "Result",
    "RoutingOracle",
    "RoutingOracleError",
    "TCPBalancer",
    "descendants",
    "free_port",
    "listening_sockets",
    "resource_name",
    "signal_tree",
    "tool_path",
    "unknown_field",
    "with_unknown_field",
]
