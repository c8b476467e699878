"""The error a program that declares `import_` gets when its Pulumi.yaml does not point the engine at this
package's provider host: for a virtualenv inside the project, the layout that also holds in a fresh clone (a folder
of the project and its launcher, as the README and `livekit-adopt` lay it out), which then passes the check."""

from __future__ import annotations

import sys

import pytest

from pulumi_livekit._dynamic import import_host as _import_host

STOCK = "name: infra\nruntime:\n  name: python\n  options:\n    toolchain: pip\n    virtualenv: venv\n"


def test_a_virtualenv_inside_the_project_gets_the_plugins_folder_and_its_launcher(tmp_path, monkeypatch):
    (tmp_path / "Pulumi.yaml").write_text(STOCK)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "prefix", str(tmp_path / "venv"))
    with pytest.raises(_import_host.ImportHostError) as raised:
        _import_host.require_import_host.__wrapped__()
    entry, launcher = str(raised.value).split(f"\nand, executable (chmod +x), {tmp_path / _import_host.HOST_LAUNCHER}:\n")
    assert entry.endswith("plugins:\n  providers:\n    - name: pulumi-python\n      path: plugins")
    assert launcher == _import_host.host_launcher("venv")

    (tmp_path / "Pulumi.yaml").write_text(STOCK + entry.split(":\n", 1)[1] + "\n")
    (tmp_path / "plugins").mkdir()
    (tmp_path / _import_host.HOST_LAUNCHER).write_text(launcher)
    _import_host.require_import_host.__wrapped__()  # followed, the check passes
