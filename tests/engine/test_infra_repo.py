"""The README's infra-repo layout (tests/user_project.py: its files from the README, the package installed
from its wheel into the project's own virtualenv, `pulumi` on a PATH without it) when the connection is wrong, and
`pulumi import` from the command line: a server that does not answer and a wrong API secret each fail `preview`
and `up` with one line on the resource, no Python traceback; an object made elsewhere is imported as the README
says. (Pulumi's own dynamic-provider host, which the layout replaces, prints a traceback of about 40 lines for
the failed create, and fails the import with `KeyError: '__provider'`.)"""

from __future__ import annotations

import re

from pulumi_livekit.testing import free_port

from support import create_rule
from user_project import README, user_project

# The rule waits for the trunk (depends_on): at preview its check asks the server for conflicting rules; at up the
# trunk's create is the first request, and when it fails the program never sends the rule.
PROGRAM = '''\
import pulumi
import pulumi_livekit as livekit

line = livekit.InboundTrunk("line", name="Main line", numbers=["+15105550100"])
livekit.DispatchRule("support", rule=livekit.DispatchRuleDirect(room_name="support", pin="4821"),
                     opts=pulumi.ResourceOptions(depends_on=[line]))
'''
NO_ANSWER = "connection to LiveKit at {url} failed (ConnectError: [Errno 111] Connection refused)"
REFUSED = "rejected API key '{key}' (unauthenticated: invalid token"


def one_line_errors(result) -> dict[str, str]:
    """Resource name -> the error the run reported on it, each checked to be one line and no traceback."""
    assert result.returncode != 0 and "Traceback" not in result.output, result.output
    errors = {name: text for name, text in result.messages().items() if name}
    for name, text in errors.items():
        assert "\n" not in text and "Traceback" not in text, (name, text)
    return errors


def test_a_wrong_connection_fails_in_one_line_and_pulumi_import_works(tmp_path, livekit, oracle, monkeypatch,
                                                                      distributions):
    _, stack = user_project(str(distributions["wheel"]), tmp_path, monkeypatch, PROGRAM)
    creds = livekit.credentials
    nobody = f"http://127.0.0.1:{free_port()}"
    stack.set_config("livekit:url", nobody)
    stack.set_config("livekit:apiKey", creds.api_key)
    stack.set_config("livekit:apiSecret", creds.api_secret, secret=True)
    # The first check verifies the connection: the trunk's, which the program declares before the rule.
    for operation in (stack.preview, stack.up):
        errors = one_line_errors(operation(check=False))
        assert list(errors) == ["line"] and NO_ANSWER.format(url=nobody) in errors["line"], errors

    stack.set_config("livekit:url", creds.url)
    stack.set_config("livekit:apiSecret", "not-" + creds.api_secret, secret=True)
    for operation in (stack.preview, stack.up):
        errors = one_line_errors(operation(check=False))
        assert list(errors) == ["line"] and REFUSED.format(key=creds.api_key) in errors["line"], errors
        assert creds.api_secret not in str(errors)
    assert oracle.inbound_trunks() == [] and oracle.rules() == []

    # Set right, the stack goes up. (`pulumi import` alone would still reach LiveKit with the wrong secret: it uses the
    # provider as the last `up` left it in state.)
    stack.set_config("livekit:apiSecret", creds.api_secret, secret=True)
    stack.up()
    assert len(oracle.inbound_trunks()) == len(oracle.rules()) == 1

    [command] = re.findall(r"`pulumi import (pulumi-python:dynamic/livekit:DispatchRule) support SDR_\.\.\. "
                           r"(--generate-code=false)`", README.replace("\n", " "))
    made = create_rule(oracle, "callee", {"room_prefix": "elsewhere-"}, name="Made elsewhere")
    stack.run("import", command[0], "elsewhere", made.sip_dispatch_rule_id, command[1], "--yes")
    imported = {r["id"]: r["outputs"]["rule"] for r in stack.resources("livekit:DispatchRule")}
    assert imported[made.sip_dispatch_rule_id] == {"dispatch_rule_callee": {"room_prefix": "elsewhere-"}}
