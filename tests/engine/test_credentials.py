"""Refused credentials and a server out of reach, through the real Pulumi engine against a real livekit-server:
`pulumi preview` fails with the one-line message the deployment gives, after one request per connection whatever
the number of resources, on both entrances; `PULUMI_LIVEKIT_OFFLINE_PREVIEW` previews without asking LiveKit;
neither secret in the output."""

from __future__ import annotations

from pulumi_livekit._core.offline import OFFLINE_PREVIEW_ENV
from pulumi_livekit.testing import free_port

from support import PROGRAMS, make_stack, yaml_program

DECLARED = PROGRAMS / "declared"
WRONG_KEY, WRONG_SECRET = "APIwrongkey0001", "wrong-secret-" + "q" * 30
RESOURCES = [
    *({"type": "DispatchRule", "name": f"rule-{i}",
       "args": {"rule": {"dispatchRuleDirect": {"roomName": f"r{i}"}}, "trunk_ids": [f"ST_auth_{i}"]}} for i in range(3)),
    {"type": "OutboundTrunk", "name": "carrier", "args": {"address": "sip.example.com", "numbers": ["+15550100"]}},
]


def refusal(key: str, url: str) -> str:
    return f"ListSIPDispatchRule: LiveKit at {url} rejected API key {key!r}"


def one_line(messages: dict[str, str], start: str) -> str:
    """The line starting with `start` that every failing resource's diagnostics carry (there is exactly one)."""
    lines = {line[line.index(start):] for text in messages.values() for line in text.splitlines() if start in line}
    assert len(lines) == 1, messages
    return lines.pop()


def test_a_refused_key_or_secret_fails_the_preview_with_the_deployments_message_after_one_request(
        livekit, oracle, proxy, tmp_path):
    creds = livekit.credentials
    for label, env in (("key", {"LIVEKIT_API_KEY": WRONG_KEY}), ("secret", {"LIVEKIT_API_SECRET": WRONG_SECRET})):
        stack = make_stack(tmp_path, DECLARED, livekit, url=proxy.url, name=label, env=env,
                           config={"resources": RESOURCES})
        key = WRONG_KEY if label == "key" else creds.api_key
        proxy.clear()
        preview = stack.preview(check=False)
        assert preview.returncode != 0
        told = one_line(preview.messages(), refusal(key, proxy.url))
        assert "livekit:apiSecret" in told and "clock" in told
        assert dict(proxy.counts) == {"ListSIPDispatchRule": 1}  # four resources, one connection, one request
        assert WRONG_SECRET not in preview.output and creds.api_secret not in preview.output

    # With checks offline the preview asks nothing and passes; the deployment then meets the refusal, saying the same.
    stack.env = {**stack.env, OFFLINE_PREVIEW_ENV: "true"}
    proxy.clear()
    assert stack.preview().changes == {"create": 5}  # the stack and its four resources
    assert not proxy.counts
    up = stack.up(check=False)
    assert up.returncode != 0 and one_line(up.messages(), refusal(creds.api_key, proxy.url)) == told
    assert WRONG_SECRET not in up.output and stack.resources("DispatchRule") == []
    assert oracle.rules() == [] and oracle.outbound_trunks() == []


def test_a_server_out_of_reach_fails_the_preview_of_either_entrance_naming_the_url(livekit, tmp_path):
    nowhere = f"http://127.0.0.1:{free_port()}"
    stack = make_stack(tmp_path, DECLARED, livekit, url=nowhere, config={"resources": RESOURCES})
    told = one_line(stack.preview(check=False).messages(), f"ListSIPDispatchRule: connection to LiveKit at {nowhere}")
    assert "livekit:url / LIVEKIT_URL" in told

    plugin = make_stack(tmp_path, yaml_program(tmp_path / "plugin", {
        "rule": {"type": "livekit:index:DispatchRule",
                 "properties": {"rule": {"dispatchRuleDirect": {"roomName": "r"}}, "trunkIds": ["ST_auth_yaml"]}},
    }), livekit, url=nowhere, name="plugin")
    assert one_line(plugin.preview(check=False).messages(), "ListSIPDispatchRule: connection") == told


def test_the_plugin_fails_the_preview_on_a_refused_secret_after_one_request(livekit, proxy, tmp_path):
    resources = {f"rule-{i}": {"type": "livekit:index:DispatchRule", "properties": {
        "rule": {"dispatchRuleDirect": {"roomName": f"r{i}"}}, "trunkIds": [f"ST_auth_yaml_{i}"]}} for i in range(3)}
    stack = make_stack(tmp_path, yaml_program(tmp_path / "plugin", resources), livekit, url=proxy.url,
                       env={"LIVEKIT_API_SECRET": WRONG_SECRET})
    preview = stack.preview(check=False)
    assert preview.returncode != 0
    one_line(preview.messages(), refusal(livekit.credentials.api_key, proxy.url))
    assert dict(proxy.counts) == {"ListSIPDispatchRule": 1}
    assert WRONG_SECRET not in preview.output
