"""`make demo`: start the local LiveKit unless LIVEKIT_URL is set, `pulumi up` the root stack,
then print the dispatch rules as the server has them."""

from __future__ import annotations

import os
import subprocess
import sys

from local_livekit import REPO_ROOT, STATE_DIR, env as local_env, up as local_up

from pulumi_livekit._api.client import SIPClient
from pulumi_livekit._core.connection import resolve_connection
from pulumi_livekit._model.canonical import canonical_from_message
from pulumi_livekit.testing._tools import tool_path, tools_path_env
from pulumi_livekit._model.kinds import DISPATCH_RULE

STACK = os.environ.get("DEMO_STACK", "dev")


def main() -> int:
    env = dict(os.environ)
    if not env.get("LIVEKIT_URL"):
        local_up()
        env.update(local_env())
    backend = STATE_DIR / "backend"
    backend.mkdir(parents=True, exist_ok=True)
    env.setdefault("PULUMI_BACKEND_URL", f"file://{backend}")
    env.setdefault("PULUMI_CONFIG_PASSPHRASE", "")
    env.setdefault("PULUMI_SKIP_UPDATE_CHECK", "true")
    env["PATH"] = tools_path_env()

    def pulumi(*args: str) -> None:
        subprocess.run([tool_path("pulumi"), *args, "--cwd", str(REPO_ROOT), "--non-interactive"], env=env, check=True)

    try:
        pulumi("stack", "select", "--create", STACK)
        pulumi("up", "--yes", "--refresh", "--stack", STACK)
    except subprocess.CalledProcessError as error:
        return error.returncode
    print_rules(env)
    return 0


def print_rules(env: dict[str, str]) -> None:
    endpoint = resolve_connection({}, lambda _key: None, env)
    with SIPClient(endpoint) as client:
        rules = client.list(DISPATCH_RULE)
    rows = [("ID", "NAME", "KIND", "ROOM", "TRUNKS", "AGENTS", "PIN")]
    for info in rules:
        rule = canonical_from_message(info).get("rule", {})
        kind, body = next(iter(rule.items()), ("?", {}))
        rows.append((
            info.sip_dispatch_rule_id,
            info.name or "-",
            kind.removeprefix("dispatch_rule_"),
            body.get("room_name") or (body.get("room_prefix", "") + "*"),
            ",".join(info.trunk_ids) or "(all)",
            ",".join(a.agent_name for a in info.room_config.agents) or "-",
            "set" if body.get("pin") else "-",
        ))
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    print(f"\nDispatch rules on {endpoint.url} (read back from the server):")
    for row in rows:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)))


if __name__ == "__main__":
    sys.exit(main())
