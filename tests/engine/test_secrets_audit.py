"""The secrets audit: two PINs, two trunk passwords, their rotated values and the API secret, looked for in
plain text in every artefact of a stack's life through the real Pulumi engine against a real
livekit-server (the output and the engine's verbose log with the provider's own logger on, the engine's
events, `pulumi stack export`), faults and refused changes included."""

from __future__ import annotations

import json

import pytest

from pulumi_livekit.testing import Fault, Result

from support import PROGRAMS

SECRETS = PROGRAMS / "secrets"


# Long digit strings: a 5-digit PIN would turn up by chance in the timestamps of a verbose log.
AUDITED = {
    "pin": "804179236651",
    "calleePin": "661395570248",
    "inboundPassword": "in-Pa55-xq81-audit",
    "outboundPassword": "out-Pa55-zv27-audit",
}
ROTATED = {"pin": "135792468024", "inboundPassword": "in-R0tated-5521-audit"}
VERBOSE = ("-v=9", "--logtostderr", "--logflow")
# Turns on the provider's own logger (and httpx's request lines) in the dynamic-provider process;
# the engine captures the plugin's stderr into its verbose log.
PROVIDER_LOGGING = """\
import logging, sys
handler = logging.StreamHandler(sys.stderr)
handler.setFormatter(logging.Formatter("provider-log %(name)s %(levelname)s %(message)s"))
for name, level in (("pulumi_livekit", logging.DEBUG), ("httpx", logging.INFO)):
    logging.getLogger(name).addHandler(handler)
    logging.getLogger(name).setLevel(level)
"""


@pytest.mark.slow
def test_no_secret_in_state_verbose_logs_provider_logs_or_errors(proxy, pulumi_stack, livekit, oracle, tmp_path,
                                                                  figures):
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(PROVIDER_LOGGING)
    stack = pulumi_stack(SECRETS, env={"PYTHONPATH": str(site)})  # livekit:apiSecret set with --secret
    stack.set_config("livekit:url", proxy.url)
    for key, value in AUDITED.items():
        stack.set_config(key, value, secret=True)
    secrets = {**{f"{k} (first)": v for k, v in AUDITED.items()}, **{f"{k} (rotated)": v for k, v in ROTATED.items()},
               "livekit:apiSecret": livekit.credentials.api_secret}
    audited: list[str] = []

    def audit(step: str, text: str) -> None:
        leaks = [name for name, value in secrets.items() if value in text]
        figures["secret checks"] += len(secrets)
        audited.append(step)
        assert not leaks, f"{step}: {leaks} in plaintext:\n" + "\n".join(
            line[:300] for line in text.splitlines() if any(secrets[n] in line for n in leaks))

    def run(step: str, command, *args, ok: bool = True) -> Result:
        result = command(*args, *VERBOSE, check=False)
        assert (result.returncode == 0) == ok, result.output[-4000:]
        assert '"level":"INFO"' in result.stderr  # the engine's verbose log was captured
        audit(f"{step}: output and verbose log", result.output)
        audit(f"{step}: engine events", "\n".join(repr(event) for event in result.events))
        audit(f"{step}: stack export", stack.run("stack", "export").stdout)  # the command's own output
        return result

    # Faults make the provider log: a retried create, and a lost answer it adopts.
    proxy.inject("CreateSIPDispatchRule", Fault.status_code(503), times=2)
    proxy.inject("CreateSIPInboundTrunk", Fault.drop_after_forward())
    up = run("up", stack.up)
    assert "provider-log pulumi_livekit INFO CreateSIPInboundTrunk: adopting" in up.stderr
    assert "provider-log httpx INFO HTTP Request: POST" in up.stderr
    ids = up.outputs["ids"]
    # The audit looks for the right strings: they are on the server, and encrypted in state.
    assert oracle.rule(ids["direct"]).rule.dispatch_rule_direct.pin == AUDITED["pin"]
    assert [t.auth_password for t in oracle.inbound_trunks()] == [AUDITED["inboundPassword"]]
    revealed = json.dumps(stack.export(show_secrets=True))
    assert all(value in revealed for value in AUDITED.values())

    stack.set_config("generation", "2")
    for key, value in ROTATED.items():
        stack.set_config(key, value, secret=True)
    run("update", stack.up)
    assert oracle.rule(ids["direct"]).rule.dispatch_rule_direct.pin == ROTATED["pin"]
    run("refresh", stack.refresh)
    stack.preview("--expect-no-changes")

    # Errors: LiveKit refusing a rule that reuses a PIN, and a malformed rule carrying one.
    stack.set_config("conflict", "true")
    errors = run("conflict", stack.up, ok=False).messages()
    # Pulumi's own host runs this program (no plugins entry): the other rule is named by its name field.
    assert 'conflicts with "audited direct g2" of this program' in errors["pin-twin"], errors
    stack.set_config("conflict", "false")
    stack.set_config("malformed", "true")
    errors = run("malformed rule", stack.up, ok=False).messages()
    assert "set only one of dispatchRuleDirect, dispatchRuleCallee" in errors["pin-malformed"], errors
    stack.set_config("malformed", "false")

    run("destroy", stack.destroy)
    assert oracle.rules() == [] and oracle.inbound_trunks() == [] and oracle.outbound_trunks() == []
    assert len(audited) == 18
