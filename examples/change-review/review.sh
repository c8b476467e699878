#!/usr/bin/env bash
# A change-review step for CI: for each stack, the resource diff, what the change does to calls, and the policy
# pack's findings; the pack is the gate.
#
#   review.sh [--fail-on-change] STACK...
#
# Runs in the Pulumi project in the current directory (or PROJECT_DIR), with the LiveKit connection
# from LIVEKIT_* or the stacks' livekit:* config, like `pulumi preview`. Each stack with a policy configuration,
# POLICY_DIR/STACK.json (default: the policy/ folder beside this script), is previewed with the policy pack
# (`pulumi preview --policy-pack "$(livekit-policy path)" --policy-pack-config POLICY_DIR/STACK.json`).
# REVIEW_MARKDOWN=FILE writes what a reviewer reads as Markdown, for a pull-request comment: per stack, the calls
# whose route changes and the pack's findings by severity.
# LIVEKIT_ROUTES and LIVEKIT_POLICY name the livekit-routes and livekit-policy commands; by default those in the
# virtualenv the project's Pulumi.yaml names (runtime.options.virtualenv), else those on PATH: only `pulumi` needs
# to be on PATH. livekit-policy needs `pip install 'pulumi-livekit[policy]'`.
# Exit status: 0 when every preview passed (and, with --fail-on-change, no call changes route); otherwise the
# first failure's: 1 a call changes route, 2 bad usage or a command missing, 3 a preview failed, 4 a mandatory
# policy found something (the change is blocked).
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
policy_dir=${POLICY_DIR:-$(dirname "$0")/policy}
markdown=${REVIEW_MARKDOWN:-}

# livekit-routes, as LIVEKIT_ROUTES or the project names it: sets `routes`.
source "$(dirname "$0")/find-commands.sh"
pack=""
for stack in "$@"; do
  if [[ -f "$policy_dir/$stack.json" && -z "$pack" ]]; then
    policy=${LIVEKIT_POLICY:-$(project_command livekit-policy)}
    if [[ -z "$policy" ]] || ! pack=$("$policy" path); then
      echo "$0: livekit-policy with its policy pack not found: pip install 'pulumi-livekit[policy]' into the" \
        "virtualenv $project/Pulumi.yaml names, or set LIVEKIT_POLICY to the command" >&2
      exit 2
    fi
  fi
done
previews=$(mktemp -d)
trap 'rm -rf "$previews"' EXIT
[[ -z "$markdown" ]] || : > "$markdown"

status=0
for stack in "$@"; do
  config="$policy_dir/$stack.json"
  gate=()
  [[ -f "$config" ]] && gate=(--policy-pack "$pack" --policy-pack-config "$config")
  echo "=== $stack: resources and policies (pulumi preview --diff${gate[*]+ --policy-pack ...})"
  pulumi preview --diff --non-interactive --color never --stack "$stack" --cwd "$project" ${gate[@]+"${gate[@]}"}
  previewed=$?
  echo
  echo "=== $stack: calls (pulumi preview --json --show-sames | livekit-routes diff)"
  preview="$previews/$stack.json"
  pulumi preview --json --show-sames --non-interactive --stack "$stack" --cwd "$project" > "$preview"
  "$routes" diff --preview "$preview" ${fail_on_change[@]+"${fail_on_change[@]}"}
  result=$?
  blocked=0
  if [[ -f "$config" ]]; then
    # The same policies over the same preview, as text here and as Markdown below: exit 1 when a mandatory one
    # finds something, which the preview above then failed on too.
    "$policy" check --preview "$preview" --config "$config" > /dev/null 2>&1 || blocked=$?
  fi
  if [[ -n "$markdown" ]]; then
    {
      echo "### Stack \`$stack\`"
      echo
      "$routes" diff --preview "$preview" --markdown
      echo
      [[ -f "$config" ]] && "$policy" check --preview "$preview" --config "$config" --markdown
      echo
    } >> "$markdown"
  fi
  if [[ $blocked -eq 1 ]]; then
    result=4
  elif [[ $previewed -ne 0 ]]; then
    result=3
  fi
  if [[ $status -eq 0 ]]; then
    status=$result
  fi
  echo
done
exit "$status"
