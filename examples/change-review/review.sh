#!/usr/bin/env bash
# A change-review step for CI: for each stack, the resource diff and what the change does to calls.
#
#   review.sh [--fail-on-change] STACK...
#
# Runs in the Pulumi project in the current directory (or PROJECT_DIR), with the LiveKit connection
# from LIVEKIT_* or the stacks' livekit:* config, like `pulumi preview`. LIVEKIT_ROUTES names the
# livekit-routes command; by default the one in the virtualenv the project's Pulumi.yaml names
# (runtime.options.virtualenv), else the one on PATH: only `pulumi` needs to be on PATH.
# Exit status: 0 when every preview passed (and, with --fail-on-change, no call changes route);
# otherwise the first failure's: 1 a call changes route, 3 a preview failed, 2 bad usage.
set -uo pipefail

fail_on_change=()
if [[ "${1:-}" == "--fail-on-change" ]]; then
  fail_on_change=(--fail-on-change)
  shift
fi
if [[ $# -eq 0 ]]; then
  echo "usage: $0 [--fail-on-change] STACK..." >&2
  exit 2
fi
project=${PROJECT_DIR:-.}

# livekit-routes, as LIVEKIT_ROUTES or the project names it: sets `routes`.
source "$(dirname "$0")/find-livekit-routes.sh"

status=0
for stack in "$@"; do
  echo "=== $stack: resources (pulumi preview --diff)"
  pulumi preview --diff --non-interactive --color never --stack "$stack" --cwd "$project"
  echo
  echo "=== $stack: calls (pulumi preview --json --show-sames | livekit-routes diff)"
  pulumi preview --json --show-sames --non-interactive --stack "$stack" --cwd "$project" \
    | "$routes" diff ${fail_on_change[@]+"${fail_on_change[@]}"}
  result=$?
  if [[ $status -eq 0 ]]; then
    status=$result
  fi
  echo
done
exit "$status"
