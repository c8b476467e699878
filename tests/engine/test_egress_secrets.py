"""Egress credentials in a dispatch rule's `room_config` (S3 keys, a stream URL's key), given in the clear:
secret in state, in `up`/`preview --diff`/`refresh` output and the engine's events, in `livekit-routes` and
`livekit-adopt` output, while the real livekit-server stores them as given."""

from __future__ import annotations

import json

from livekit import api as lkapi

from support import PROGRAMS, adopt, livekit_routes, yaml_program

EGRESS = PROGRAMS / "egress"

CREDENTIALS = {  # the program's environment variables
    "EGRESS_S3_ACCESS_KEY": "AKIAEGRESSAUDIT7731",
    "EGRESS_S3_SECRET": "s3-Secr3t-egress-audit-9931",
    "EGRESS_STREAM_URL": "rtmp://live.example.com/app/sk-egress-audit-5521",
}
ROTATED_SECRET = "s3-R0tated-egress-audit-4417"


def _resources(exported: dict) -> dict[str, dict]:
    return {r["urn"].rsplit("::", 1)[-1]: r for r in exported["deployment"]["resources"]}


def _encrypted(value) -> bool:
    return isinstance(value, dict) and "ciphertext" in value


def test_egress_credentials_are_secret_everywhere_but_on_the_server(pulumi_stack, livekit, oracle):
    stack = pulumi_stack(EGRESS, env=CREDENTIALS)
    looked_for = {**CREDENTIALS, "EGRESS_S3_SECRET (rotated)": ROTATED_SECRET}
    audited: list[str] = []

    def audit(step: str, text: str) -> None:
        leaks = [name for name, value in looked_for.items() if value in text]
        audited.append(step)
        assert not leaks, f"{step}: {leaks} in plaintext:\n" + "\n".join(
            line[:300] for line in text.splitlines() if any(looked_for[n] in line for n in leaks))

    def audit_operation(step: str, result) -> None:
        audit(f"{step}: output", result.output)
        audit(f"{step}: engine events", "\n".join(repr(event) for event in result.events))
        audit(f"{step}: stack export", json.dumps(stack.export()))

    up = stack.up()
    audit_operation("up", up)
    ids = up.outputs["ids"]
    s3 = oracle.rule(ids["recorded"]).room_config.egress.room.file.s3
    assert (s3.access_key, s3.secret, s3.bucket) == (
        CREDENTIALS["EGRESS_S3_ACCESS_KEY"], CREDENTIALS["EGRESS_S3_SECRET"], "calls")
    streamed = oracle.rule(ids["streamed"]).room_config.egress.room.stream
    assert list(streamed.urls) == [CREDENTIALS["EGRESS_STREAM_URL"]]
    resources = _resources(stack.export())
    for name in ("recorded", "streamed"):  # secret whole, inputs and outputs: the engine marks only whole properties
        assert _encrypted(resources[name]["inputs"]["room_config"]), name
        assert _encrypted(resources[name]["outputs"]["room_config"]), name
    # A room configuration without credentials stays readable.
    assert resources["plain"]["outputs"]["room_config"] == {"agents": [{"agent_name": "greeter"}]}
    revealed = _resources(stack.export(show_secrets=True))
    shown = json.loads(revealed["recorded"]["outputs"]["room_config"]["plaintext"])
    assert shown["egress"]["room"]["file"]["s3"]["secret"] == CREDENTIALS["EGRESS_S3_SECRET"]

    # A rotated key: the diff shows that room_config changes, never its value.
    stack.env = {**stack.env, "EGRESS_S3_SECRET": ROTATED_SECRET}
    preview = stack.preview()
    audit_operation("preview --diff", preview)
    assert preview.changes.get("update") == 1, preview.output
    assert "room_config" in preview.output and "[secret]" in preview.output, preview.output
    audit_operation("update", stack.up())
    assert oracle.rule(ids["recorded"]).room_config.egress.room.file.s3.secret == ROTATED_SECRET
    audit_operation("refresh", stack.refresh())
    stack.preview("--expect-no-changes")

    # The command line, reading the server: the table, a call's explanation, the adopted programs.
    env = livekit.credentials.env()
    table = livekit_routes("table", env=env)
    assert "recorder" in table.stdout, table.stderr  # exit 1: warnings (rules open to any caller)
    audit("livekit-routes table", table.stdout + table.stderr)
    explained = livekit_routes("explain", "--from", "+15550999", "--to", "+15550160", "--json", env=env)
    assert explained.returncode == 0, explained.stderr
    audit("livekit-routes explain", explained.stdout + explained.stderr)
    room_config = json.loads(explained.stdout)["roomConfig"]
    assert room_config["egress"]["room"]["file"]["s3"] == {"accessKey": "[secret]", "secret": "[secret]",
                                                           "bucket": "calls", "region": "eu-west-1"}
    for language in ("python", "yaml"):
        adopted = adopt("--dry-run", "--language", language, env=env)
        assert adopted.returncode == 0, adopted.stderr
        audit(f"livekit-adopt --language {language}", adopted.stdout + adopted.stderr)
        # Each credential read from a secret config key named by its path (in Pulumi YAML, a key of one secret
        # object); `pulumi config set --secret` asks for it.
        for key in ("recorded-calls-room-config-egress-room-file-s3-secret",
                    "recorded-calls-room-config-egress-room-file-s3-access-key",
                    "streamed-calls-room-config-egress-room-stream-urls-0"):
            if language == "python":
                assert f'config.require_secret("{key}")' in adopted.stdout
                assert f"pulumi config set --secret {key}\n" in adopted.stderr, adopted.stderr
            else:
                assert f"${{livekit-secrets.{key}}}" in adopted.stdout
                assert f"pulumi config set --secret --path livekit-secrets.{key}\n" in adopted.stderr, adopted.stderr

    audit_operation("destroy", stack.destroy())
    assert oracle.rules() == []
    assert len(audited) == 19


def test_the_plugin_keeps_each_egress_credential_secret_and_the_rest_of_room_config_readable(tmp_path, pulumi_stack,
                                                                                             oracle):
    s3 = {"accessKey": CREDENTIALS["EGRESS_S3_ACCESS_KEY"], "secret": CREDENTIALS["EGRESS_S3_SECRET"],
          "bucket": "calls"}
    room_config = {"agents": [{"agentName": "recorder"}],
                   "egress": {"room": {"file": {"filepath": "calls/{room_name}.ogg", "s3": s3},
                                       "streamOutputs": [{"urls": [CREDENTIALS["EGRESS_STREAM_URL"]]}]}}}
    resources = {"recorded": {"type": "livekit:index:DispatchRule", "properties": {
        "rule": {"dispatchRuleIndividual": {"roomPrefix": "rec-"}}, "roomConfig": room_config}}}
    stack = pulumi_stack(yaml_program(tmp_path / "egress", resources))
    up = stack.up()
    (rule,) = oracle.rules()
    assert rule.room_config.egress.room.file.s3.secret == CREDENTIALS["EGRESS_S3_SECRET"]
    assert list(rule.room_config.egress.room.stream_outputs[0].urls) == [CREDENTIALS["EGRESS_STREAM_URL"]]
    # Each credential secret where it is: the agents and the bucket stay readable (livekit-routes shows the agents).
    (state,) = [r for r in stack.export()["deployment"]["resources"] if r["type"] == "livekit:index:DispatchRule"]
    stored = state["outputs"]["roomConfig"]
    assert stored["agents"] == [{"agentName": "recorder"}]
    assert stored["egress"]["room"]["file"]["s3"]["bucket"] == "calls"
    assert all(_encrypted(stored["egress"]["room"]["file"]["s3"][key]) for key in ("accessKey", "secret"))
    assert _encrypted(stored["egress"]["room"]["streamOutputs"][0]["urls"])

    s3["secret"] = ROTATED_SECRET
    yaml_program(stack.program_dir, resources)
    preview = stack.preview()
    assert preview.changes.get("update") == 1, preview.output
    stack.up()
    assert oracle.rules()[0].room_config.egress.room.file.s3.secret == ROTATED_SECRET
    shown = up.output + preview.output + json.dumps(stack.export())
    assert not [value for value in (*CREDENTIALS.values(), ROTATED_SECRET) if value in shown]
    table = livekit_routes("table", "--stack-export", "-", stdin=json.dumps(stack.export())).stdout
    assert "recorder" in table


def test_an_imported_rule_keeps_its_egress_key_secret_and_matches_the_program(pulumi_stack, oracle):
    azure_key = "azure-Acc0unt-key-egress-audit-6620"
    azure = lkapi.AzureBlobUpload(account_name="calls", account_key=azure_key, container_name="c")
    info = lkapi.SIPDispatchRuleInfo(
        name="imported calls",
        rule=lkapi.SIPDispatchRule(dispatch_rule_individual=lkapi.SIPDispatchRuleIndividual(room_prefix="imp-")),
        room_config=lkapi.RoomConfiguration(egress=lkapi.RoomEgress(tracks=lkapi.AutoTrackEgress(
            filepath="tracks/", azure=azure))))
    made = oracle.call("create_dispatch_rule", lkapi.CreateSIPDispatchRuleRequest(dispatch_rule=info))
    stack = pulumi_stack(EGRESS, env={"EGRESS_IMPORT_ID": made.sip_dispatch_rule_id, "EGRESS_AZURE_KEY": azure_key})
    imported = stack.up()
    assert imported.changes == {"create": 1, "import": 1}, imported.output  # the stack, the rule
    state = _resources(stack.export())["imported"]
    assert state["id"] == made.sip_dispatch_rule_id
    assert _encrypted(state["inputs"]["room_config"]) and _encrypted(state["outputs"]["room_config"])
    unchanged = stack.preview("--expect-no-changes")
    refreshed = stack.refresh("--expect-no-changes")
    assert azure_key not in imported.output + unchanged.output + refreshed.output + json.dumps(stack.export())
    assert oracle.rule(made.sip_dispatch_rule_id).room_config.egress.tracks.azure.account_key == azure_key
