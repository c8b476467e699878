"""Where the client connects and with what: the LiveKit URL forms, and the connection settings resolved from
a resource's `connection`, the stack config and the environment, each failure naming its setting."""

from __future__ import annotations

from typing import Callable

import pytest

from pulumi_livekit._api.endpoint import Endpoint
from pulumi_livekit._core.connection import resolve_connection
from pulumi_livekit._exceptions import ConfigurationError


@pytest.mark.parametrize(("url", "base"), [
    ("wss://my-project.livekit.cloud", "https://my-project.livekit.cloud"),
    ("WSS://my-project.livekit.cloud/", "https://my-project.livekit.cloud"),
    ("ws://127.0.0.1:7880", "http://127.0.0.1:7880"),
    ("https://lk.example.com:8443/", "https://lk.example.com:8443"),
    ("http://127.0.0.1:7880//", "http://127.0.0.1:7880"),
    ("wss://proxy.example.com/livekit/", "https://proxy.example.com/livekit"),
    ("  http://proxy.example.com/a/b  ", "http://proxy.example.com/a/b"),
])
def test_endpoint_twirp_base(url, base):
    assert Endpoint(url, "key", "secret").twirp_base == base


def config_of(values: dict[str, str]) -> Callable[[str], str | None]:
    return values.get


def test_resolve_connection_maps_schemes_and_prefers_explicit_then_stack_config_then_environment():
    env = {"LIVEKIT_URL": "ws://env.example.com", "LIVEKIT_API_KEY": "env-key", "LIVEKIT_API_SECRET": "env-secret"}
    from_env = resolve_connection(None, config_of({}), env)
    assert from_env == Endpoint("ws://env.example.com", "env-key", "env-secret")
    assert from_env.twirp_base == "http://env.example.com"

    stack = {"livekit:url": "wss://stack.example.com/", "livekit:apiKey": "stack-key"}
    mixed = resolve_connection(None, config_of(stack), env)
    assert mixed == Endpoint("wss://stack.example.com/", "stack-key", "env-secret")
    assert mixed.twirp_base == "https://stack.example.com"

    explicit = resolve_connection({"api_key": " explicit-key "}, config_of(stack), env)
    assert (explicit.url, explicit.api_key, explicit.api_secret) == (
        "wss://stack.example.com/", "explicit-key", "env-secret")
    assert "env-secret" not in repr(explicit)


@pytest.mark.parametrize(("name", "config_key", "env_var"), [
    ("url", "livekit:url", "LIVEKIT_URL"),
    ("api_key", "livekit:apiKey", "LIVEKIT_API_KEY"),
    ("api_secret", "livekit:apiSecret", "LIVEKIT_API_SECRET"),
])
def test_resolve_connection_names_a_missing_or_empty_setting(name, config_key, env_var):
    complete = {"LIVEKIT_URL": "wss://x.livekit.cloud", "LIVEKIT_API_KEY": "key", "LIVEKIT_API_SECRET": "secret"}

    missing = {k: v for k, v in complete.items() if k != env_var}
    with pytest.raises(ConfigurationError) as error:
        resolve_connection(None, config_of({}), missing)
    assert error.value.field == name
    assert config_key in str(error.value) and env_var in str(error.value)

    with pytest.raises(ConfigurationError) as error:
        resolve_connection(None, config_of({config_key: "  "}), complete)
    assert error.value.field == name
    assert f"{config_key} is empty" in str(error.value)

    with pytest.raises(ConfigurationError) as error:
        resolve_connection(None, config_of({}), {**complete, env_var: ""})
    assert error.value.field == name
    assert f"{env_var} is empty" in str(error.value)


@pytest.mark.parametrize(("url", "problem"), [
    ("ftp://x.example.com", "scheme 'ftp'"),
    ("x.example.com:7880", "scheme"),
    ("https://", "no host"),
    ("https://x.example.com/?token=1", "query"),
])
def test_resolve_connection_rejects_a_malformed_url(url, problem):
    with pytest.raises(ConfigurationError) as error:
        resolve_connection(None, config_of({"livekit:url": url}), {"LIVEKIT_API_KEY": "k", "LIVEKIT_API_SECRET": "s"})
    assert error.value.field == "url"
    assert str(error.value).startswith("livekit:url ")
    assert problem in str(error.value)
