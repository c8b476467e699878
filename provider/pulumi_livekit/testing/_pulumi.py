"""Drive the real `pulumi` CLI on a program directory, isolated from the user's setup.

Each `PulumiStack` has its own local file backend and PULUMI_HOME in a temporary
folder, a passphrase for secrets, no update check and no plugin downloads. The CLI runs
as a user runs it: from the test bed's install folder, with a PATH that does not hold any
virtualenv; programs name theirs in Pulumi.yaml (`runtime.options.virtualenv`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

import yaml

from ._tools import tool_path, tools_path_env

PASSPHRASE = "pulumi-livekit-test-passphrase"
_STACK_COMMANDS = {"up", "preview", "refresh", "destroy", "import", "config", "state", "cancel"}


class PulumiCommandError(AssertionError):
    def __init__(self, result: "Result") -> None:
        self.result = result
        super().__init__(f"pulumi {' '.join(result.args)} exited {result.returncode}\n"
                         f"--- stdout ---\n{result.stdout[-6000:]}\n--- stderr ---\n{result.stderr[-6000:]}")


@dataclass
class Result:
    args: Sequence[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


class PulumiStack:
    def __init__(
        self,
        program_dir: Path | str,
        stack: str = "test",
        *,
        env: Optional[Mapping[str, str]] = None,
        workdir: Optional[Path] = None,
        copy_program: bool = True,
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
        # Whatever virtualenv runs these tests is not the program's: Pulumi.yaml says which is.
        inherited = {k: v for k, v in os.environ.items()
                     if k not in ("VIRTUAL_ENV", "PULUMI_PYTHON_CMD", "PYTHONPATH", "PYTHONHOME")}
        self.env = {
            **inherited,
            "PATH": tools_path_env(),
            "PULUMI_BACKEND_URL": f"file://{backend}",
            "PULUMI_HOME": str(home),
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_SKIP_CONFIRMATIONS": "true",
            "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK": "true",
            "NO_COLOR": "1",
            **(env or {}),
        }
        self.run("stack", "init", stack)

    def run(self, *args: str, check: bool = True, timeout: float = 600) -> Result:
        # Flags go before a "--" in args: what follows it is positional whatever its first character.
        positional = list(args[args.index("--"):]) if "--" in args else []
        args = args[:len(args) - len(positional)]
        argv = [tool_path("pulumi"), *args, "--non-interactive", "--color", "never", "--cwd", str(self.program_dir)]
        if args[0] in _STACK_COMMANDS or args[:2] in (("stack", "export"), ("stack", "output"), ("stack", "import")):
            argv += ["--stack", self.stack]
        argv += positional
        proc = subprocess.run(argv, env=self.env, capture_output=True, text=True, timeout=timeout)
        result = Result(args, proc.returncode, proc.stdout, proc.stderr)
        if check and proc.returncode != 0:
            raise PulumiCommandError(result)
        return result

    def set_config(self, key: str, value: str, *, secret: bool = False) -> None:
        # After "--", a value that starts with "-" (a random secret may) is not read as a flag.
        self.run("config", "set", *(["--secret"] if secret else []), key, "--", value)

    def up(self, *extra: str, check: bool = True) -> Result:
        return self.run("up", "--yes", "--skip-preview", *extra, check=check)

    def preview(self, *extra: str, check: bool = True) -> Result:
        return self.run("preview", "--diff", *extra, check=check)

    def refresh(self, *extra: str, check: bool = True) -> Result:
        return self.run("refresh", "--yes", "--skip-preview", *extra, check=check)

    def destroy(self, *extra: str, check: bool = True) -> Result:
        return self.run("destroy", "--yes", "--skip-preview", *extra, check=check)

    def outputs(self, *, show_secrets: bool = False) -> dict[str, Any]:
        args = ["stack", "output", "--json"] + (["--show-secrets"] if show_secrets else [])
        return json.loads(self.run(*args).stdout or "{}")

    def export(self) -> dict[str, Any]:
        return json.loads(self.run("stack", "export").stdout)

    def resources(self, type_suffix: str = "") -> list[dict[str, Any]]:
        deployment = self.export().get("deployment", {})
        return [r for r in deployment.get("resources") or [] if r.get("type", "").endswith(type_suffix)]

    def remove(self) -> None:
        self.run("stack", "rm", "--yes", "--force", "--stack", self.stack, check=False)


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
