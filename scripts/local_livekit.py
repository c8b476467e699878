"""The demo's local LiveKit: `up` starts Redis + livekit-server in the background (rules persisted
across restarts), `env` prints its LIVEKIT_* settings, `down` stops both.

Settings, from the environment (the README's quick start names them):
  DEMO_LIVEKIT_PORT  LiveKit's port, default 7880 (LiveKit's usual dev port, what `lk` assumes)
  DEMO_REDIS_PORT    Redis's port, default 6390
  DEMO_STATE_DIR     where the server's data, keys and the demo's Pulumi backend live, default
                     .state in the clone (ignored by git; `make clean` removes it)
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import sys
import time
from pathlib import Path

from pulumi_livekit.testing import REPO_ROOT, LocalLiveKit

STATE_DIR = Path(os.environ.get("DEMO_STATE_DIR") or REPO_ROOT / ".state").absolute()
STATE = STATE_DIR / "livekit"
SETTINGS = STATE / "settings.json"
HTTP_PORT = int(os.environ.get("DEMO_LIVEKIT_PORT", "7880"))
REDIS_PORT = int(os.environ.get("DEMO_REDIS_PORT", "6390"))


def _settings() -> dict:
    if SETTINGS.exists():
        return json.loads(SETTINGS.read_text())
    STATE.mkdir(parents=True, exist_ok=True)
    settings = {"api_key": "APIdemo" + secrets.token_hex(4), "api_secret": secrets.token_urlsafe(36), "pids": []}
    _save(settings)
    return settings


def _save(settings: dict) -> None:
    SETTINGS.write_text(json.dumps(settings))
    SETTINGS.chmod(0o600)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def up() -> None:
    settings = _settings()
    if settings["pids"] and all(_alive(pid) for pid in settings["pids"]):
        return
    down(quiet=True)
    server = LocalLiveKit(STATE, http_port=HTTP_PORT, redis_port=REDIS_PORT, api_key=settings["api_key"],
                          api_secret=settings["api_secret"], persist=True)
    try:
        server.start()
    except RuntimeError as error:
        server.stop()
        sys.exit(f"local LiveKit did not start (ports {HTTP_PORT}/{REDIS_PORT} busy?): {error}")
    # Left running on purpose: `make down` stops it.
    settings["pids"] = server.pids()
    _save(settings)
    print(f"local LiveKit running at {server.credentials.url} (stop it with `make down`)", file=sys.stderr)


def down(quiet: bool = False) -> None:
    if not SETTINGS.exists():
        return
    settings = json.loads(SETTINGS.read_text())
    for pid in settings.get("pids", []):
        if _alive(pid):
            os.killpg(pid, signal.SIGTERM)
            for _ in range(50):
                if not _alive(pid):
                    break
                time.sleep(0.1)
            else:
                os.killpg(pid, signal.SIGKILL)
    settings["pids"] = []
    _save(settings)
    if not quiet:
        print("local LiveKit stopped", file=sys.stderr)


def env() -> dict[str, str]:
    settings = _settings()
    return {
        "LIVEKIT_URL": f"http://127.0.0.1:{HTTP_PORT}",
        "LIVEKIT_API_KEY": settings["api_key"],
        "LIVEKIT_API_SECRET": settings["api_secret"],
    }


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "up"
    if command == "up":
        up()
    elif command == "down":
        down()
    elif command == "env":
        for key, value in env().items():
            print(f"export {key}={value}")
    else:
        sys.exit(f"usage: local_livekit.py up|down|env\n{__doc__}")
