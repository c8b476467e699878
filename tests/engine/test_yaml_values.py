"""Values from a Pulumi YAML program's stack config reach LiveKit with every character, or fail the preview.

The engine hands a program a stack config value of digits as a number (`pulumi config set caller +15550002222`
arrives as 15550002222, whatever the program's `config:` block declares): the plugin refuses a number where a
string belongs, naming the field and how to keep the string, before any request. Set as a string inside an
object (`pulumi config set --type string --path 'phone.caller' +15550002222`), it lands as written. A PIN, digits
alone, is taken from a number. docs/plugin.md, "Numbers in config"."""

from __future__ import annotations

from support import yaml_program

CALLER, LINE = "+15550002222", "+15105550801"


def resources(caller: str, line: str) -> dict:
    return {
        "mainLine": {"type": "livekit:index:InboundTrunk", "properties": {"numbers": [line]}},
        "vip": {"type": "livekit:index:DispatchRule", "properties": {
            "rule": {"dispatchRuleDirect": {"roomName": "vip", "pin": "${vipPin}"}},
            "trunkIds": ["${mainLine.sipTrunkId}"], "inboundNumbers": [caller]}},
    }


def test_a_number_from_stack_config_is_refused_and_kept_a_string_as_documented(tmp_path, pulumi_stack, oracle,
                                                                                proxy):
    program = yaml_program(tmp_path / "config", resources("${caller}", "${line}"),
                           config={"caller": {"type": "string"}})  # declaring the type does not help
    stack = pulumi_stack(program)
    stack.set_config("livekit:url", proxy.url)
    stack.set_config("caller", CALLER)
    stack.set_config("line", LINE)
    stack.set_config("vipPin", "4821", secret=True)  # reaches the program as the number 4821: a PIN takes it
    refused = stack.preview(check=False)
    assert refused.returncode != 0 and "{<nil>}" not in refused.output, refused.output
    assert "numbers[0]: expected a string, got the number 15105550801" in refused.output, refused.output
    assert "pulumi config set --type string --path" in refused.output
    assert proxy.count() == 0, dict(proxy.counts)

    yaml_program(stack.program_dir, resources("${phone.caller}", "${phone.line}"))
    stack.run("config", "rm", "caller")
    stack.run("config", "rm", "line")
    stack.run("config", "set", "--type", "string", "--path", "phone.caller", "--", CALLER)
    stack.run("config", "set", "--type", "string", "--path", "phone.line", "--", LINE)
    stack.up()
    [trunk] = oracle.inbound_trunks()
    [rule] = oracle.rules()
    assert list(trunk.numbers) == [LINE] and list(rule.inbound_numbers) == [CALLER]
    assert rule.rule.dispatch_rule_direct.pin == "4821"


def test_an_empty_list_entry_names_its_index_on_a_property_the_engine_shows(tmp_path, pulumi_stack, proxy):
    program = tmp_path / "empty"
    program.mkdir()
    yaml_program(program, {})
    (program / "Pulumi.yaml").write_text((program / "Pulumi.yaml").read_text().replace("resources: {}\n", """\
resources:
  line:
    type: livekit:index:InboundTrunk
    properties:
      numbers:
        - "+15550100"
        -
"""))
    stack = pulumi_stack(program)
    stack.set_config("livekit:url", proxy.url)
    refused = stack.preview(check=False)
    assert refused.returncode != 0 and "{<nil>}" not in refused.output, refused.output
    assert "numbers[1]: expected a string, got null" in refused.output
    assert proxy.count() == 0, dict(proxy.counts)
