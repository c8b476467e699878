"""The client's token against a real livekit-server when this machine's clock is off: an hour is refused
once, naming the clock; twenty seconds is absorbed."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from pulumi_livekit._api import auth as _auth
from pulumi_livekit._api.client import SIPClient
from pulumi_livekit._api.endpoint import Endpoint
from pulumi_livekit._exceptions import AuthenticationError
from pulumi_livekit._model.kinds import DISPATCH_RULE


@pytest.mark.parametrize("skew", [3600, -3600])
def test_a_skewed_clock_is_refused_once_with_the_clock_named(livekit, proxy, monkeypatch, skew):
    """The token is signed with this process's clock moved by `skew` seconds (only `_api.auth` sees it);
    the real server judges it by its own."""
    real = time.time
    monkeypatch.setattr(_auth, "time", SimpleNamespace(time=lambda: real() + skew))
    creds = livekit.credentials
    with SIPClient(Endpoint(proxy.url, creds.api_key, creds.api_secret)) as sip:
        with pytest.raises(AuthenticationError) as raised:
            sip.list(DISPATCH_RULE)
    message = str(raised.value)
    assert f"LiveKit at {proxy.url} rejected API key {creds.api_key!r}" in message
    assert ("token is not valid yet" if skew > 0 else "token is expired") in message
    assert "this machine's clock is correct" in message
    assert creds.api_secret not in message
    assert dict(proxy.counts) == {"ListSIPDispatchRule": 1}


@pytest.mark.parametrize("skew", [20, -20])
def test_a_small_clock_skew_is_absorbed(livekit, oracle, proxy, monkeypatch, skew):
    real = time.time
    monkeypatch.setattr(_auth, "time", SimpleNamespace(time=lambda: real() + skew))
    creds = livekit.credentials
    with SIPClient(Endpoint(proxy.url, creds.api_key, creds.api_secret)) as sip:
        assert sip.list(DISPATCH_RULE) == []
    assert dict(proxy.counts) == {"ListSIPDispatchRule": 1}
