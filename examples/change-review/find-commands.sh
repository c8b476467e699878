# Sourced by the scripts beside it: finds this package's commands. `project_command NAME` prints the one in the
# virtualenv the project's Pulumi.yaml names (runtime.options.virtualenv, relative to the project in $project, or
# absolute), else the one on PATH. Sets `routes` to livekit-routes (LIVEKIT_ROUTES names another), or exits 2
# naming what to install.

project_command() {
  local venv
  venv=$(sed -n 's/^[[:space:]]*virtualenv:[[:space:]]*//p' "$project/Pulumi.yaml" 2>/dev/null | head -n 1 \
    | sed -e 's/[[:space:]]*#.*//' -e "s/^[\"']//" -e "s/[\"']\$//")
  if [[ -n "$venv" ]]; then
    [[ "$venv" = /* ]] || venv="$project/$venv"
    [[ -x "$venv/bin/$1" ]] && { printf '%s\n' "$venv/bin/$1"; return 0; }
  fi
  command -v "$1"
}
routes=${LIVEKIT_ROUTES:-$(project_command livekit-routes)}
if [[ -z "$routes" ]]; then
  echo "$0: livekit-routes not found: install pulumi-livekit into the virtualenv $project/Pulumi.yaml names" \
    "(runtime.options.virtualenv), or set LIVEKIT_ROUTES to the command" >&2
  exit 2
fi
