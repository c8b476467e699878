#!/usr/bin/env bash
# A post-deploy step for CI: after `pulumi up`, one test call per number the stack's inbound trunks declare;
# the job fails when a call reaches no room or an agent its rule dispatches does not join.
#
#   post-deploy.sh STACK...
#
# Runs in the Pulumi project in the current directory (or PROJECT_DIR). The numbers come from the stack's
# state (`livekit-routes table --stack`); each call is then placed against the LiveKit project in
# LIVEKIT_URL / LIVEKIT_API_KEY / LIVEKIT_API_SECRET (`livekit-routes call`, which needs
# `pip install 'pulumi-livekit[call]'`). TEST_CALLER is the calling number (default +15550000000: a trunk
# that admits only listed callers needs one of them), CALL_TIMEOUT the seconds each call waits for its
# agents (default 30). LIVEKIT_ROUTES names the livekit-routes command; by default the one in the
# virtualenv the project's Pulumi.yaml names, else the one on PATH: only `pulumi` needs to be on PATH.
# Exit status: 0 when every call reached its agents; 1 when one did not; 3 when a stack could not be read;
# 2 bad usage.
set -uo pipefail

if [[ $# -eq 0 ]]; then
  echo "usage: $0 STACK..." >&2
  exit 2
fi
project=${PROJECT_DIR:-.}
# livekit-routes, as LIVEKIT_ROUTES or the project names it: sets `routes`.
source "$(dirname "$0")/find-commands.sh"
caller=${TEST_CALLER:-+15550000000}
timeout=${CALL_TIMEOUT:-30}

status=0
for stack in "$@"; do
  # Exit status 1 only says the table has warnings; the table is printed all the same.
  table=$(cd "$project" && "$routes" table --stack "$stack" --json)
  if [[ $? -gt 1 ]]; then
    echo "=== $stack: cannot read the stack's routing table" >&2
    status=3
    continue
  fi
  numbers=$(printf '%s' "$table" | python3 -c '
import json, sys
print("\n".join(sorted({row["number"] for row in json.load(sys.stdin)["rows"] if row["number"] != "*"})))')
  for number in $numbers; do
    echo "=== $stack: test call from $caller to $number"
    if ! "$routes" call --from "$caller" --to "$number" --timeout "$timeout"; then
      status=1
    fi
    echo
  done
done
exit "$status"
