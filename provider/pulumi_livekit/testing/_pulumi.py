"""Drive the real `pulumi` CLI on a program directory with Pulumi's Automation API, isolated
from the user's setup.

Each `PulumiStack` is a `LocalWorkspace` and `Stack` with its own local file backend and
PULUMI_HOME in a temporary folder, a passphrase for secrets, no update check and no plugin
downloads. Operations return the engine's structured events (`EngineEvent`: diagnostics per
resource, steps, the summary of changes) besides the human output. The CLI runs as a user runs
it: from the test bed's install folder, with a PATH that does not hold any virtualenv and no
variable pointing at one; programs name theirs in Pulumi.yaml (`runtime.options.virtualenv`).
"""

from __future__ import annotations

import collections
import functools
import json
import os
import shutil
import subprocess
import tempfile
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

import yaml
from pulumi import automation as auto

from ._tools import tool_path, tools_path_env

PASSPHRASE = "pulumi-livekit-test-passphrase"
COMMAND_TIMEOUT = 600.0
# A virtualenv the tests run in is not the program's: with any of these the engine would use it.
_NOT_INHERITED = ("VIRTUAL_ENV", "PULUMI_PYTHON_CMD", "PYTHONPATH", "PYTHONHOME")
_SECRET_SIG = "4dabf18193072939515e22adb298388d"  # how the engine marks a secret value in its events
_STACK_COMMANDS = {"up", "preview", "refresh", "destroy", "import", "config", "state", "cancel"}


@dataclass(frozen=True)
class Diagnostic:
    """One diagnostic the engine reported: for a resource (its URN and name) or for the whole run."""

    urn: str
    severity: str  # "error", "warning", "info", "info#err"
    message: str

    @property
    def resource(self) -> str:
        """The resource's name; empty for a message about the whole run."""
        return resource_name(self.urn) if self.urn else ""


def resource_name(urn: str) -> str:
    """A resource's name: the last part of its URN."""
    return urn.rsplit("::", 1)[-1]


@dataclass
class Result:
    """A finished CLI command: exit code and human output, and for an engine operation its events."""

    args: Sequence[str]
    returncode: int
    stdout: str
    stderr: str
    events: list[auto.EngineEvent] = field(default_factory=list)
    summary: Mapping[str, int] = field(default_factory=dict)  # the engine's count of resources per operation
    outputs: dict[str, Any] = field(default_factory=dict)  # the stack's outputs after an `up`

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return [Diagnostic(d.urn or "", d.severity, d.message.strip())
                for d in (e.diagnostic_event for e in self.events)
                if d and not d.ephemeral and d.severity != "debug"]

    def messages(self, severity: str = "error") -> dict[str, str]:
        """Resource name -> its diagnostics of one severity, one per line (the run's own under "")."""
        found: dict[str, list[str]] = collections.defaultdict(list)
        for diagnostic in self.diagnostics:
            if diagnostic.severity == severity:
                found[diagnostic.resource].append(diagnostic.message)
        return {name: "\n".join(lines) for name, lines in found.items()}

    @property
    def changes(self) -> dict[str, int]:
        """The summary without the resources left as they were: operation ("create", "update",
        "delete", "replace", "import", ...) -> how many resources it applied to."""
        return {str(op): n for op, n in self.summary.items() if n and op != "same"}

    def steps(self, op: Optional[str] = None) -> list[auto.StepEventMetadata]:
        """The steps the engine started (a resource and what it does to it), optionally of one operation."""
        return [e.resource_pre_event.metadata for e in self.events if e.resource_pre_event
                and (op is None or e.resource_pre_event.metadata.op == op)]

    def applied(self, op: Optional[str] = None) -> list[auto.StepEventMetadata]:
        """The steps the engine finished, with the resource's state before and after; a refresh
        starts "refresh" steps and finishes them as "same" or "update"."""
        return [e.res_outputs_event.metadata for e in self.events if e.res_outputs_event
                and (op is None or e.res_outputs_event.metadata.op == op)]


class PulumiCommandError(AssertionError):
    def __init__(self, result: Result) -> None:
        self.result = result
        errors = "".join(f"\n  {name or '(the run)'}: {text}" for name, text in result.messages().items())
        super().__init__(f"pulumi {' '.join(result.args)} exited {result.returncode}; errors:{errors or ' none'}\n"
                         f"--- stdout ---\n{result.stdout[-6000:]}\n--- stderr ---\n{result.stderr[-6000:]}")


class _Failed(auto.CommandError):
    """A failed command, keeping its result for the caller (the Automation API's error keeps text only)."""

    def __init__(self, result: auto.CommandResult) -> None:
        super().__init__(result)
        self.result = result


class _StockCommand(auto.PulumiCommand):
    """The test bed's CLI, run with exactly the stack's environment.

    The Automation API merges the caller's os.environ under the workspace's variables, so a
    virtualenv the tests run in would reach the engine; here the workspace's variables are the
    whole environment."""

    def __init__(self, installed: auto.PulumiCommand) -> None:
        # Not the base class's __init__: it would run `pulumi version` again for every stack.
        self.command, self.version = installed.command, installed.version

    def run(self, args: list[str], cwd: str, additional_env: Mapping[str, str],
            on_output: Optional[auto.OnOutput] = None, on_error: Optional[auto.OnOutput] = None
            ) -> auto.CommandResult:
        env = {**additional_env, "PULUMI_AUTOMATION_API": "true"}
        proc = subprocess.run([self.command, "--non-interactive", *args], cwd=cwd, env=env, capture_output=True,
                              text=True, timeout=COMMAND_TIMEOUT)
        for callback, text in ((on_output, proc.stdout), (on_error, proc.stderr)):
            for line in text.splitlines() if callback else ():
                callback(line)
        result = auto.CommandResult(stdout=proc.stdout, stderr=proc.stderr, code=proc.returncode)
        if proc.returncode != 0:
            raise _Failed(result)
        return result


@functools.cache
def _installed_cli() -> auto.PulumiCommand:
    """The test bed's `pulumi` (newer than this SDK: the version check is skipped)."""
    return auto.PulumiCommand(root=str(Path(tool_path("pulumi")).parent.parent), skip_version_check=True)


class PulumiStack:
    """A stack of a program, driven through the Automation API.

    With `defer_config`, `set_config` values wait for the next command and go in one `pulumi config
    set-all` before it (without, each is written at once: a timed command then runs alone).
    `up`, `preview`, `refresh` and `destroy` take the CLI's flags (`"--expect-no-changes"`,
    `"--refresh"`, ...) and return a `Result` with the engine's events; with `check=True` a
    failure raises `PulumiCommandError`. An `up` leaves the stack's outputs known: `outputs()`
    needs no command until the next operation.
    """

    def __init__(
        self,
        program_dir: Path | str,
        stack: str = "test",
        *,
        env: Optional[Mapping[str, str]] = None,
        workdir: Optional[Path] = None,
        copy_program: bool = True,
        defer_config: bool = False,
    ) -> None:
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="pulumi-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        source = Path(program_dir)
        if copy_program:
            # A copy lets tests edit the program (and Pulumi.<stack>.yaml) without touching the repo.
            self.program_dir = self.workdir / "program"
            shutil.copytree(source, self.program_dir, ignore=shutil.ignore_patterns(
                "__pycache__", "Pulumi.*.yaml", ".git", ".venv", ".tools", ".state", "tests", "benchmarks"))
            _anchor_project_paths(self.program_dir / "Pulumi.yaml", source)
        else:
            self.program_dir = source
        self.stack = stack
        backend = self.workdir / "backend"
        backend.mkdir(exist_ok=True)
        home = self.workdir / "pulumi-home"
        home.mkdir(exist_ok=True)
        self._workspace = auto.LocalWorkspace(
            work_dir=str(self.program_dir), pulumi_home=str(home), secrets_provider="passphrase",
            pulumi_command=_StockCommand(_installed_cli()))
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in _NOT_INHERITED},
            "PATH": tools_path_env(),
            "PULUMI_BACKEND_URL": f"file://{backend}",
            "PULUMI_HOME": str(home),
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_SKIP_CONFIRMATIONS": "true",
            "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK": "true",
            "PULUMI_DEBUG_COMMANDS": "true",  # as the Automation API sets it: operations take --event-log
            "NO_COLOR": "1",
            **(env or {}),
        }
        self._stack = auto.Stack.create(stack, self._workspace)
        self._defer_config = defer_config
        self._pending_config: dict[str, auto.ConfigValue] = {}
        # The stack's outputs (as `stack output --json` has them), known from the last `up`'s events until a
        # command may change them.
        self._outputs: Optional[dict[str, Any]] = None
        self._operations = 0

    @property
    def env(self) -> dict[str, str]:
        """The whole environment of every command (nothing else from this process reaches them)."""
        return dict(self._workspace.env_vars)

    @env.setter
    def env(self, value: Mapping[str, str]) -> None:
        self._workspace.env_vars = dict(value)

    def run(self, *args: str, check: bool = True) -> Result:
        """A CLI command the Automation API has no method for, e.g. `pulumi config get` or `preview --json`."""
        self._before_command()
        return self._cli(args, check)

    def _cli(self, args: Sequence[str], check: bool) -> Result:
        # Flags go before a "--" in args: what follows it is positional whatever its first character.
        positional = list(args[args.index("--"):]) if "--" in args else []
        argv = [*args[:len(args) - len(positional)], "--color", "never"]
        if args[0] in _STACK_COMMANDS or args[:2] in (("stack", "export"), ("stack", "output"), ("stack", "import")):
            argv += ["--stack", self.stack]
        argv += positional
        try:
            done = self._workspace.pulumi_command.run(argv, str(self.program_dir), self._workspace.env_vars)
        except _Failed as failed:
            done = failed.result
        result = Result(args, done.code, done.stdout, done.stderr)
        if check and done.code != 0:
            raise PulumiCommandError(result)
        return result

    def set_config(self, key: str, value: str, *, secret: bool = False) -> None:
        # `config set-all` takes `key=value`: a value that starts with "-" (a random secret may) is no flag.
        self._pending_config[key] = auto.ConfigValue(value, secret=secret)
        if not self._defer_config:
            self._write_config()

    def up(self, *flags: str, check: bool = True) -> Result:
        return self._operate("up", "--yes", "--skip-preview", *flags, check=check)

    def preview(self, *flags: str, check: bool = True) -> Result:
        return self._operate("preview", "--diff", *flags, check=check)

    def refresh(self, *flags: str, check: bool = True) -> Result:
        return self._operate("refresh", "--yes", "--skip-preview", *flags, check=check)

    def destroy(self, *flags: str, check: bool = True) -> Result:
        return self._operate("destroy", "--yes", "--skip-preview", *flags, check=check)

    def import_resources(self, resources: Sequence[Mapping[str, str]], *, check: bool = True) -> Result:
        """`pulumi import --file`: resources (`type`, `name`, `id`) adopted into the state without the
        program. The summary is the stack's history entry: the Automation API gives no events here."""
        self._before_command()
        try:
            done = self._stack.import_resources(resources=list(resources), generate_code=False, show_secrets=False)
        except _Failed as failed:
            result = Result(("import",), failed.result.code, failed.result.stdout, failed.result.stderr)
        else:
            result = Result(("import",), 0, done.stdout, done.stderr, summary=done.summary.resource_changes or {})
        if check and result.returncode != 0:
            raise PulumiCommandError(result)
        return result

    def outputs(self, *, show_secrets: bool = False) -> dict[str, Any]:
        """The stack's outputs; secret ones as "[secret]" unless `show_secrets`."""
        self._before_command(changes_state=False)
        if show_secrets:
            return json.loads(self._cli(("stack", "output", "--json", "--show-secrets"), True).stdout or "{}")
        if self._outputs is None:
            self._outputs = json.loads(self._cli(("stack", "output", "--json"), True).stdout or "{}")
        return dict(self._outputs)

    def export(self, *, show_secrets: bool = False) -> dict[str, Any]:
        """The stack's state as `pulumi stack export` has it: secrets encrypted unless `show_secrets`.
        (The Automation API's `export_stack` always decrypts them.) With secrets encrypted, it is read from the
        file the stack's local backend keeps it in, which is what `stack export` prints, without a CLI start."""
        self._before_command(changes_state=False)
        if show_secrets:
            return json.loads(self._cli(("stack", "export", "--show-secrets"), True).stdout)
        stored = json.loads(self._checkpoint_file().read_text())
        return {"version": stored["version"], "deployment": stored["checkpoint"]["latest"]}

    def _checkpoint_file(self) -> Path:
        project = yaml.safe_load((self.program_dir / "Pulumi.yaml").read_text())["name"]
        backend = Path(urllib.parse.urlparse(self.env["PULUMI_BACKEND_URL"]).path)
        return backend / ".pulumi" / "stacks" / project / f"{self.stack}.json"

    def import_state(self, exported: Mapping[str, Any]) -> None:
        """`pulumi stack import`: the stack's state replaced by `exported`, as `export` gives it."""
        self._before_command()
        self._stack.import_stack(auto.Deployment(version=exported["version"], deployment=exported["deployment"]))

    def resources(self, type_suffix: str = "") -> list[dict[str, Any]]:
        deployment = self.export().get("deployment") or {}
        return [r for r in deployment.get("resources") or [] if r.get("type", "").endswith(type_suffix)]

    def remove(self) -> None:
        try:
            self._workspace.remove_stack(self.stack, force=True)
        except _Failed:
            pass  # already gone: what removing asks for

    def _before_command(self, *, changes_state: bool = True) -> None:
        if changes_state:
            self._outputs = None
        self._write_config()

    def _write_config(self) -> None:
        if self._pending_config:
            pending, self._pending_config = self._pending_config, {}
            self._stack.set_all_config(pending)

    def _operate(self, *args: str, check: bool) -> Result:
        """One engine operation, its events logged to a file the Automation API's event type reads.

        (`Stack.up`, `refresh` and `destroy` run `stack output` twice and `stack history` after the
        operation: three more CLI starts, for what the events hold already.)"""
        self._before_command(changes_state=args[0] != "preview")
        self._operations += 1
        log = self.workdir / f"events-{self.stack}-{self._operations}-{args[0]}.jsonl"  # stacks may share a workdir
        result = self._cli((*args, "--event-log", str(log)), check=False)
        result.args = args
        result.events = [auto.EngineEvent.from_json(json.loads(line)) for line in log.read_text().splitlines()
                         if line.strip()] if log.exists() else []
        summaries = [e.summary_event.resource_changes for e in result.events if e.summary_event]
        result.summary = summaries[-1] if summaries else {}
        if args[0] == "up" and result.returncode == 0:
            # The stack's last step (`up --refresh` refreshes it first) carries the outputs.
            stack = [e.res_outputs_event.metadata for e in result.events if e.res_outputs_event
                     and e.res_outputs_event.metadata.type == "pulumi:pulumi:Stack"][-1]
            result.outputs = {key: _masked(value) for key, value in (stack.new.outputs or {}).items()}
            self._outputs = result.outputs
        if check and result.returncode != 0:
            raise PulumiCommandError(result)
        return result


def _masked(value: Any) -> Any:
    """A value of an engine event as `pulumi stack output --json` shows it: a secret as "[secret]"."""
    if isinstance(value, dict):
        return "[secret]" if _SECRET_SIG in value else {key: _masked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked(item) for item in value]
    return value


def _anchor_project_paths(project_file: Path, source: Path) -> None:
    """Paths in a copied Pulumi.yaml (the virtualenv, project plugins) made absolute against the
    original's folder, so the copy runs with the same virtualenv and plugins as the original."""
    project = yaml.safe_load(project_file.read_text())
    runtime = project.get("runtime")
    options = runtime.get("options", {}) if isinstance(runtime, dict) else {}
    if options.get("virtualenv"):
        options["virtualenv"] = str((source / options["virtualenv"]).resolve())
    for plugin in (project.get("plugins") or {}).get("providers") or []:
        if plugin.get("path"):
            plugin["path"] = str((source / plugin["path"]).resolve())
    project_file.write_text(yaml.safe_dump(project, sort_keys=False))
