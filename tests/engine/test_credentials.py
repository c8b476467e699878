"""Refused credentials through the real Pulumi engine against a real livekit-server: one request per
call, a message that names the key and what to check, and neither secret in the output."""

from __future__ import annotations

from support import PROGRAMS, make_stack

DECLARED = PROGRAMS / "declared"


def test_refused_credentials_fail_once_per_call_with_a_clear_message(livekit, oracle, proxy, tmp_path):
    creds = livekit.credentials
    resources = [{"type": "DispatchRule", "name": f"rule-{i}",
                  "args": {"rule": {"dispatchRuleDirect": {"roomName": f"r{i}"}}, "trunk_ids": [f"ST_auth_{i}"]}}
                 for i in range(2)]
    wrong_key, wrong_secret = "APIwrongkey0001", "wrong-secret-" + "q" * 30
    for label, env in (("key", {"LIVEKIT_API_KEY": wrong_key}), ("secret", {"LIVEKIT_API_SECRET": wrong_secret})):
        stack = make_stack(tmp_path, DECLARED, livekit, url=proxy.url, name=label, env=env,
                           config={"resources": resources})
        proxy.clear()
        up = stack.up(check=False)
        assert up.returncode != 0
        errors = up.messages()
        key = wrong_key if label == "key" else creds.api_key
        for name in set(errors) & {"rule-0", "rule-1"}:
            message = errors[name]
            # A create starts with a look at the identical rules already there: that is the refused request.
            assert f"ListSIPDispatchRule: LiveKit at {proxy.url} rejected API key {key!r}" in message, errors
            assert "livekit:apiSecret" in message and "clock" in message
        # One request per failed call: a refusal is not retried, nor followed by a search.
        failed = set(errors) - {"", f"declared-{label}"}
        assert failed and failed <= {"rule-0", "rule-1"}
        assert dict(proxy.counts) == {"ListSIPDispatchRule": len(failed)}
        assert wrong_secret not in up.output and creds.api_secret not in up.output
        assert stack.resources("DispatchRule") == []
    assert oracle.rules() == []
