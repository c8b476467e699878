"""The pure pieces of `livekit-adopt`: names, the emitted program, secrets, filters, connection flags."""

from __future__ import annotations

import argparse
import ast
import random
import re
from pathlib import Path

import pytest
import yaml
from google.protobuf import json_format
from livekit.protocol import agent_dispatch as agent_pb
from livekit.protocol import room as room_pb
from livekit.protocol import sip as sip_pb

from pulumi_livekit import ConfigurationError
from pulumi_livekit._api.endpoint import Endpoint
from pulumi_livekit._dynamic.import_host import HOST_LAUNCHER, host_launcher
from pulumi_livekit.cli import _codegen as codegen
from pulumi_livekit.cli import installed_requirement
from pulumi_livekit.cli.adopt import config_commands, endpoint_from, select
from pulumi_livekit._model.kinds import DISPATCH_RULE, INBOUND_TRUNK, OUTBOUND_TRUNK
from pulumi_livekit.cli._codegen import LiveKitObject
from pulumi_livekit.cli._codegen._yaml_text import dump as yaml_text

from user_project import readme_layout


def inbound(trunk_id: str, name: str = "", **fields) -> LiveKitObject:
    return LiveKitObject(INBOUND_TRUNK, sip_pb.SIPInboundTrunkInfo(sip_trunk_id=trunk_id, name=name, **fields))


def outbound(trunk_id: str, name: str = "", **fields) -> LiveKitObject:
    return LiveKitObject(OUTBOUND_TRUNK, sip_pb.SIPOutboundTrunkInfo(sip_trunk_id=trunk_id, name=name, **fields))


def rule(rule_id: str, name: str = "", *, kind: str = "dispatch_rule_individual", body=None, **fields) -> LiveKitObject:
    body_type = {"dispatch_rule_individual": sip_pb.SIPDispatchRuleIndividual,
                 "dispatch_rule_direct": sip_pb.SIPDispatchRuleDirect,
                 "dispatch_rule_callee": sip_pb.SIPDispatchRuleCallee}[kind]
    message = sip_pb.SIPDispatchRuleInfo(sip_dispatch_rule_id=rule_id, name=name, **fields,
                                         rule=sip_pb.SIPDispatchRule(**{kind: body_type(**(body or {}))}))
    return LiveKitObject(DISPATCH_RULE, message)


def project() -> list[LiveKitObject]:
    return [
        rule("SDR_b", "Support", kind="dispatch_rule_direct", body={"room_name": "support", "pin": "80417"},
             trunk_ids=["ST_main", "ST_elsewhere"], attributes={"z": "1", "a": "2", "m": "3"},
             metadata='{"team": "support"}',
             room_config=room_pb.RoomConfiguration(agents=[agent_pb.RoomAgentDispatch(
                 agent_name="support-agent", metadata='{"queue": "tier-1"}', attributes={"lang": "en"})])),
        rule("SDR_a", "", body={"room_prefix": "call-"}, inbound_numbers=["+15550100"],
             media_encryption=sip_pb.SIP_MEDIA_ENCRYPT_ALLOW),
        rule("SDR_c", "class", kind="dispatch_rule_callee", body={}),
        inbound("ST_main", "Main line", numbers=["+15550100"], auth_username="pbx", auth_password="s3cret-pw",
                headers_to_attributes={"X-B": "b", "X-A": "a"}),
        inbound("ST_dup", "Main line", numbers=["+15550101"]),
        outbound("ST_out", "Carrier (EU) — Zürich", address="sip.example.com", numbers=["+15550199"],
                 transport=sip_pb.SIP_TRANSPORT_TLS),
    ]


def test_slugs_are_lowercase_ascii_words():
    assert codegen.slug("Carrier (EU) — Zürich") == "carrier-eu-zurich"
    assert codegen.slug("  Main   line ") == "main-line"
    assert codegen.slug("SDR_AbC12") == "sdr-abc12"
    assert codegen.slug("电话") == ""


def test_names_are_unique_valid_and_independent_of_listing_order():
    objects = project()
    names = [(a.source.id, a.resource_name, a.variable) for a in codegen.name_resources(objects)]
    assert names == [
        ("ST_dup", "main-line", "main_line"),          # same name: sorted by ID, the second gets a suffix
        ("ST_main", "main-line-2", "main_line_2"),
        ("ST_out", "carrier-eu-zurich", "carrier_eu_zurich"),
        ("SDR_a", "sdr-a", "sdr_a"),                    # unnamed: named after its ID
        ("SDR_c", "class", "dispatch_rule_class"),      # a Python keyword is no variable
        ("SDR_b", "support", "support"),
    ]
    for seed in range(5):
        shuffled = objects[:]
        random.Random(seed).shuffle(shuffled)
        assert [(a.source.id, a.resource_name, a.variable) for a in codegen.name_resources(shuffled)] == names
    colliding = [rule("SDR_1", "config"), rule("SDR_2", "2 pulumi"), rule("SDR_3", "dispatch-rule-config")]
    variables = [a.variable for a in codegen.name_resources(colliding)]
    assert variables == ["dispatch_rule_2_pulumi", "dispatch_rule_config", "dispatch_rule_config_2"]
    assert all(v.isidentifier() for v in variables)


def test_the_program_compiles_is_deterministic_and_declares_typed_inputs():
    program = codegen.generate(project())
    compile(program.source, "__main__.py", "exec")
    shuffled = project()[::-1]
    assert codegen.generate(shuffled).source == program.source

    # Adopted trunks are references, others stay literal IDs; maps are sorted; fields in constructor order.
    assert '''support = livekit.DispatchRule(
    "support",
    rule=livekit.DispatchRuleDirect(room_name="support", pin=config.require_secret("support-pin")),
    name="Support",
    trunk_ids=[main_line_2.id, "ST_elsewhere"],
    metadata='{"team": "support"}',
    attributes={"a": "2", "m": "3", "z": "1"},
    room_config=livekit.RoomConfiguration(
        agents=[
            livekit.RoomAgentDispatch(
                agent_name="support-agent",
                metadata='{"queue": "tier-1"}',
                attributes={"lang": "en"},
            ),
        ],
    ),
    opts=pulumi.ResourceOptions(import_="SDR_b", protect=True),
)''' in program.source
    # A kind with nothing set keeps its class; LiveKit's copy of the legacy encryption field is not repeated.
    assert 'rule=livekit.DispatchRuleCallee(),' in program.source
    assert 'media_encryption="SIP_MEDIA_ENCRYPT_ALLOW",\n    opts=' in program.source
    assert 'auth_password=config.require_secret("main-line-2-password"),' in program.source
    assert 'transport="SIP_TRANSPORT_TLS",' in program.source
    assert "config = pulumi.Config()" in program.source
    assert max(len(line) for line in program.source.splitlines()) <= codegen.WIDTH

    # Trunks first, then rules; every resource imports its object.
    tree = ast.parse(program.source)
    calls = [node.value for node in tree.body if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)]
    declared = [(ast.unparse(c.func), c.args[0].value) for c in calls if ast.unparse(c.func) != "pulumi.Config"]
    assert declared == [("livekit.InboundTrunk", "main-line"), ("livekit.InboundTrunk", "main-line-2"),
                        ("livekit.OutboundTrunk", "carrier-eu-zurich"), ("livekit.DispatchRule", "sdr-a"),
                        ("livekit.DispatchRule", "class"), ("livekit.DispatchRule", "support")]
    assert program.source.count("import_=") == 6


def test_secrets_go_to_config_and_never_into_the_program():
    program = codegen.generate(project())
    assert [(s.key, s.value) for s in program.secrets] == [("main-line-2-password", "s3cret-pw"),
                                                            ("support-pin", "80417")]
    assert "s3cret-pw" not in program.source and "80417" not in program.source
    no_secrets = codegen.generate([rule("SDR_x", "open")])
    assert no_secrets.secrets == () and "pulumi.Config()" not in no_secrets.source

    endpoint = Endpoint("http://127.0.0.1:7880", "devkey", "the-api-secret")
    hidden = "\n".join(config_commands(program, endpoint, show_secrets=False))
    assert "pulumi config set --secret support-pin\n" in hidden + "\n"  # asks for the value
    assert "pulumi config set --secret livekit:apiSecret\n" in hidden  # never printed, asked for
    from_environment = config_commands(program, endpoint, show_secrets=False, secret_from_environment=True)
    assert 'pulumi config set --secret livekit:apiSecret -- "$LIVEKIT_API_SECRET"' in from_environment
    assert "80417" not in hidden and "s3cret-pw" not in hidden and "the-api-secret" not in hidden
    shown = "\n".join(config_commands(program, endpoint, show_secrets=True))
    assert "pulumi config set --secret support-pin 80417" in shown
    assert "pulumi config set --secret main-line-2-password s3cret-pw" in shown
    assert "the-api-secret" not in shown
    dashed = codegen.generate([inbound("ST_1", "x", auth_username="u", auth_password="-rf it's")])
    assert config_commands(dashed, endpoint, show_secrets=True)[-1] == \
        """pulumi config set --secret x-password -- '-rf it'"'"'s'"""
    # A Pulumi YAML program reads a secret from a key of one object: a value of digits stays text there.
    digits = codegen.generate_yaml([inbound("ST_1", "x", auth_username="u", auth_password="0042")], "adopted")
    assert config_commands(digits, endpoint, show_secrets=True)[-1] == \
        "pulumi config set --secret --path livekit-secrets.x-password 0042"


def test_egress_credentials_go_to_config_keys_named_by_their_path_in_both_languages():
    s3 = {"access_key": "AK-plain", "secret": "SK-plain", "bucket": "calls"}
    room_config = json_format.ParseDict({"agents": [{"agent_name": "rec"}], "egress": {"room": {
        "file": {"s3": s3}, "stream_outputs": [{"urls": ["rtmp://x/stream-key-plain"]}]}}}, room_pb.RoomConfiguration())
    recorded = [rule("SDR_r", "Recorded", room_config=room_config)]
    keys = {"recorded-room-config-egress-room-file-s3-access-key": "AK-plain",
            "recorded-room-config-egress-room-file-s3-secret": "SK-plain",
            "recorded-room-config-egress-room-stream-outputs-0-urls-0": "rtmp://x/stream-key-plain"}
    python, in_yaml = codegen.generate(recorded), codegen.generate_yaml(recorded, "adopted")
    assert {s.key: s.value for s in python.secrets} == keys
    # Pulumi YAML reads each from a key of one secret object: a value of its own made of digits would arrive as a
    # number.
    assert {s.key: s.value for s in in_yaml.secrets} == {f"livekit-secrets.{key}": value for key, value in keys.items()}
    assert all(s.path for s in in_yaml.secrets) and not any(s.path for s in python.secrets)
    for program in (python, in_yaml):
        assert not any(value in program.source for value in keys.values())
    assert all(f'config.require_secret("{key}")' in python.source for key in keys)
    compile(python.source, "__main__.py", "exec")
    room = yaml.safe_load(in_yaml.source)["resources"]["recorded"]["properties"]["roomConfig"]
    assert room["egress"]["room"]["file"]["s3"] == {
        "accessKey": "${livekit-secrets.recorded-room-config-egress-room-file-s3-access-key}",
        "secret": "${livekit-secrets.recorded-room-config-egress-room-file-s3-secret}", "bucket": "calls"}
    assert room["agents"] == [{"agentName": "rec"}]


@pytest.mark.parametrize("text", ['plain', 'say "hi"', "it's \"both\"", "back\\slash \\\" quote", "tab\tnew\nline",
                                  "nul\x00 del\x7f", "ünï ☎ \u2028", '{"json": ["a", "b\\n"]}'])
def test_string_literals_read_back_as_the_same_string(text):
    source = codegen.generate([rule("SDR_1", "r", metadata=text)]).source
    [call] = [n.value for n in ast.parse(source).body if isinstance(n, ast.Assign)]
    [metadata] = [k.value for k in call.keywords if k.arg == "metadata"]
    assert ast.literal_eval(metadata) == text


def test_pulumi_yaml_is_the_stock_layout_plus_a_plugin_entry_valid_before_the_virtualenv_exists():
    data = yaml.safe_load(codegen.pulumi_yaml("livekit", "venv"))
    assert data["runtime"] == {"name": "python", "options": {"toolchain": "pip", "virtualenv": "venv"}}
    # The folder the entry names is written with the program, not made by `pulumi install`.
    assert data["plugins"] == {"providers": [{"name": "pulumi-python", "path": "plugins"}]}
    assert HOST_LAUNCHER == "plugins/pulumi-resource-pulumi-python"
    odd = yaml.safe_load(codegen.pulumi_yaml("livekit", "my env/"))
    assert odd["runtime"]["options"]["virtualenv"] == "my env/"
    assert """host="$(dirname "$0")/.."/'my env'/bin/pulumi-resource-pulumi-python""" in host_launcher("my env/")
    assert "host=/opt/venv/bin/pulumi-resource-pulumi-python" in host_launcher("/opt/venv")
    assert codegen.gitignore("venv") == "*.pyc\n/venv/\n"
    assert codegen.requirements(["./pulumi-livekit", "--extra-index-url https://pypi.example.com"]) == \
        "./pulumi-livekit\n--extra-index-url https://pypi.example.com\n"


def test_the_readmes_infra_repo_layout_is_the_one_livekit_adopt_writes():
    layout = readme_layout()
    assert layout[HOST_LAUNCHER] == host_launcher("venv")
    shown = yaml.safe_load(layout["Pulumi.yaml"])
    written = yaml.safe_load(codegen.pulumi_yaml(shown["name"], "venv"))
    assert shown == {key: value for key, value in written.items() if key != "description"}


def test_the_default_requirement_installs_the_package_from_where_this_one_came():
    requirement = installed_requirement()
    # The test bed installs the clone (editable): pip records its folder.
    assert requirement == f"pulumi-livekit @ {(Path(__file__).resolve().parents[2]).as_uri()}"


def test_finish_drops_the_imports_the_stack_holds_and_keeps_the_rest():
    program = codegen.generate(project()).source
    finished, dropped, pending = codegen.drop_imports(program, {"SDR_b", "ST_main", "ST_out", "ST_dup", "SDR_a"})
    assert sorted(dropped) == ["SDR_a", "SDR_b", "ST_dup", "ST_main", "ST_out"] and pending == ["SDR_c"]
    assert finished.count("import_=") == 1 and 'import_="SDR_c", protect=True' in finished
    assert finished.count("opts=pulumi.ResourceOptions(protect=True),") == 5
    assert finished.replace("opts=pulumi.ResourceOptions(protect=True)", "") == \
        re.sub(r'opts=pulumi\.ResourceOptions\(import_="(?!SDR_c)\w+", protect=True\)', "", program)
    # The other layouts a person may have left: import_ last, alone, on lines of its own; non-ASCII before it.
    edited = ('x = livekit.DispatchRule("zürich", opts=pulumi.ResourceOptions(protect=True, import_="SDR_1"))\n'
              'y = livekit.DispatchRule("y", opts=pulumi.ResourceOptions(import_="SDR_2"))\n'
              'z = livekit.DispatchRule(\n    "z",\n    opts=pulumi.ResourceOptions(\n        import_="SDR_3",\n'
              '        protect=True,\n    ),\n)\n')
    finished, dropped, pending = codegen.drop_imports(edited, {"SDR_1", "SDR_2", "SDR_3"})
    assert finished == ('x = livekit.DispatchRule("zürich", opts=pulumi.ResourceOptions(protect=True))\n'
                        'y = livekit.DispatchRule("y", opts=pulumi.ResourceOptions())\n'
                        'z = livekit.DispatchRule(\n    "z",\n    opts=pulumi.ResourceOptions(\n'
                        '        protect=True,\n    ),\n)\n')
    assert pending == []


def test_the_yaml_program_declares_the_plugins_resources_in_the_schemas_names_with_secrets_from_config():
    program = codegen.generate_yaml(project(), "adopted")
    document = yaml.safe_load(program.source)
    assert set(document) == {"name", "description", "runtime", "config", "resources"}  # no path of this machine
    assert document["runtime"] == "yaml" and document["name"] == "adopted"
    assert [(s.key, s.value) for s in program.secrets] == [("livekit-secrets.main-line-2-password", "s3cret-pw"),
                                                          ("livekit-secrets.support-pin", "80417")]
    assert document["config"] == {"livekit-secrets": {"type": "object", "secret": True}}
    assert "s3cret-pw" not in program.source and "80417" not in program.source
    support = document["resources"]["support"]
    assert support["type"] == "livekit:index:DispatchRule"
    assert support["options"] == {"import": "SDR_b", "protect": True}
    assert support["properties"]["rule"] == {"dispatchRuleDirect": {"roomName": "support",
                                                                     "pin": "${livekit-secrets.support-pin}"}}
    assert support["properties"]["trunkIds"] == ["${main-line-2.sipTrunkId}", "ST_elsewhere"]
    assert support["properties"]["roomConfig"]["agents"][0]["agentName"] == "support-agent"
    assert support["properties"]["attributes"] == {"z": "1", "a": "2", "m": "3"}  # map keys are data
    assert document["resources"]["class"]["properties"] == {"rule": {"dispatchRuleCallee": {}}, "name": "class"}
    assert document["resources"]["carrier-eu-zurich"]["properties"]["transport"] == "SIP_TRANSPORT_TLS"
    assert "protect" not in codegen.generate_yaml(project(), "adopted", protect=False).source


def test_finish_drops_a_yaml_programs_imports_the_stack_holds_line_by_line():
    program = codegen.generate_yaml(project(), "adopted", protect=False).source
    program = program.replace("  support:\n", "  support:  # the PIN line\n")
    finished, dropped, pending = codegen.drop_yaml_imports(program, {"SDR_b", "ST_main", "ST_out", "ST_dup", "SDR_a"})
    assert sorted(dropped) == ["SDR_a", "SDR_b", "ST_dup", "ST_main", "ST_out"] and pending == ["SDR_c"]
    resources = yaml.safe_load(finished)["resources"]
    assert resources["class"]["options"] == {"import": "SDR_c"}
    assert all("options" not in r for name, r in resources.items() if name != "class")  # left empty: gone too
    assert "  support:  # the PIN line\n" in finished
    protected = codegen.generate_yaml(project(), "adopted").source
    finished, _, _ = codegen.drop_yaml_imports(protected, {"SDR_b"})
    assert yaml.safe_load(finished)["resources"]["support"]["options"] == {"protect": True}
    assert finished == protected.replace("      import: SDR_b\n", "")


def test_no_protect_leaves_protect_out():
    assert "protect" not in codegen.generate(project(), protect=False).source


def test_filters_by_trunk_and_name():
    objects = project()
    by_trunk = select(objects, trunk_ids=["ST_main"])
    assert [o.id for o in by_trunk] == ["SDR_b", "ST_main"]
    assert [o.id for o in select(objects, name_patterns=["Main*", "sup*"])] == ["ST_main", "ST_dup"]
    assert [o.id for o in select(objects, trunk_ids=["ST_main"], name_patterns=["Main*"])] == ["ST_main"]
    assert select(objects) == objects
    # A rule whose trunk is not adopted names it by ID.
    source = codegen.generate(select(objects, name_patterns=["Support"])).source
    assert 'trunk_ids=["ST_main", "ST_elsewhere"],' in source


def _args(**flags) -> argparse.Namespace:
    return argparse.Namespace(**{"url": None, "api_key": None, "api_secret": None, **flags})


def test_connection_errors_name_the_flag_and_the_variable():
    with pytest.raises(ConfigurationError, match="no LiveKit API key: pass --api-key or export LIVEKIT_API_KEY"):
        endpoint_from(_args(url="ws://localhost:7880", api_secret="s"), {})
    with pytest.raises(ConfigurationError, match="--url has scheme 'ftp'"):
        endpoint_from(_args(url="ftp://host"), {"LIVEKIT_API_KEY": "k", "LIVEKIT_API_SECRET": "s"})
    with pytest.raises(ConfigurationError, match="LIVEKIT_API_SECRET is empty"):
        endpoint_from(_args(), {"LIVEKIT_URL": "ws://h", "LIVEKIT_API_KEY": "k", "LIVEKIT_API_SECRET": " "})
    flags_win = endpoint_from(_args(url="https://flag.example.com"), {
        "LIVEKIT_URL": "ws://env", "LIVEKIT_API_KEY": "k", "LIVEKIT_API_SECRET": "s"})
    assert flags_win == Endpoint("https://flag.example.com", "k", "s")


def test_yaml_quotes_every_value_the_yaml_host_would_read_as_a_number():
    # Found by the differential run: PyYAML writes YAML 1.1, where `1e3` and `0o17` are text; the Pulumi YAML host
    # (go-yaml v3) reads them as 1000 and 15.
    texts = ["1e3", "1.5E+3", "-2e-1", "0o17", "0b101", "0x1F", "1_000", "+15550100", "0042", "true", "null", ".5"]
    written = yaml_text({"values": texts, "plain": ["agent", "ST_abc", "+1 555 0100", "e3"], "number": 7})
    assert all(f"- '{text}'" in written for text in texts), written
    assert "- agent\n- ST_abc\n- +1 555 0100\n- e3\n" in written and "number: 7" in written
    assert yaml.safe_load(written)["values"] == texts
