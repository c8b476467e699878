"""This package's dynamic-provider host falls back to Pulumi's own, unchanged, when the SDK's host is not
shaped as it expects (tests/engine/test_dynamic_host.py runs the host itself)."""

from pulumi_livekit._dynamic import host as _dynamic_host
from pulumi_livekit._core import sdk as _sdk


def test_an_sdk_host_of_another_shape_runs_unchanged_and_says_so_once(monkeypatch, capsys):
    # A module of the SDK that is not shaped like its dynamic-provider host stands in for a future one.
    monkeypatch.setattr(_sdk, "STOCK_HOST", "pulumi.dynamic.dynamic")
    assert _dynamic_host._host_with_import() is None
    message = capsys.readouterr().err
    assert message.count("running Pulumi's dynamic-provider host unchanged") == 1
    assert "0 main() calls, expected one" in message
