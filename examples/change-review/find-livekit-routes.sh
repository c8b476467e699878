# Sourced by the scripts beside it: sets `routes` to the livekit-routes command, or exits 2 naming what to
# install. LIVEKIT_ROUTES names it; by default the one in the virtualenv the project's Pulumi.yaml names
# (runtime.options.virtualenv, relative to the project in $project, or absolute), else the one on PATH.

project_routes() {
  local venv
  venv=$(sed -n 's/^[[:space:]]*virtualenv:[[:space:]]*//p' "$project/Pulumi.yaml" 2>/dev/null | head -n 1 \
    | sed -e 's/[[:space:]]*#.*//' -e "s/^[\"']//" -e "s/[\"']\$//")
  [[ -n "$venv" ]] || return 1
  [[ "$venv" = /* ]] || venv="$project/$venv"
  [[ -x "$venv/bin/livekit-routes" ]] && printf '%s\n' "$venv/bin/livekit-routes"
}
routes=${LIVEKIT_ROUTES:-$(project_routes || command -v livekit-routes)}
if [[ -z "$routes" ]]; then
  echo "$0: livekit-routes not found: install pulumi-livekit into the virtualenv $project/Pulumi.yaml names" \
    "(runtime.options.virtualenv), or set LIVEKIT_ROUTES to the command" >&2
  exit 2
fi
