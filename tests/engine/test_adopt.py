"""`livekit-adopt` against a real livekit-server, and its program run by the real Pulumi engine.

The round trip: a project of 21 objects made with the official SDK (`oracle`) -> `livekit-adopt`
-> `pulumi up` imports everything with no create, update or delete request (counted through
`FaultProxy`) and the server unchanged -> `preview --expect-no-changes` -> one field edited in the
generated program -> `up` updates exactly that object.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

from google.protobuf.duration_pb2 import Duration
from livekit import api as lkapi

from pulumi_livekit.testing import REPO_ROOT, FaultProxy

from support import server_state

VENV = REPO_ROOT / ".venv"
ADOPT = VENV / "bin" / "livekit-adopt"

MAIN_PASSWORD = "Main-Pa55word-4410"
SECOND_PASSWORD = "Second-Pa55word-8261"
CARRIER_PASSWORD = "Carrier-Pa55word-1937"
SUPPORT_PIN = "804170093321"
VIP_PIN = "551230087764"
LOBBY_PIN = "902100056613"
SECRETS = (MAIN_PASSWORD, SECOND_PASSWORD, CARRIER_PASSWORD, SUPPORT_PIN, VIP_PIN, LOBBY_PIN)
MUTATIONS = re.compile(r"^(Create|Update|Delete)SIP")


def inbound(oracle, **fields):
    return oracle.call("create_inbound_trunk", lkapi.CreateSIPInboundTrunkRequest(trunk=lkapi.SIPInboundTrunkInfo(**fields)))


def outbound(oracle, **fields):
    return oracle.call("create_outbound_trunk",
                       lkapi.CreateSIPOutboundTrunkRequest(trunk=lkapi.SIPOutboundTrunkInfo(**fields)))


def rule(oracle, kind: str, body: dict, **fields):
    kinds = {"individual": lkapi.SIPDispatchRuleIndividual, "direct": lkapi.SIPDispatchRuleDirect,
             "callee": lkapi.SIPDispatchRuleCallee}
    info = lkapi.SIPDispatchRuleInfo(rule=lkapi.SIPDispatchRule(**{f"dispatch_rule_{kind}": kinds[kind](**body)}),
                                     **fields)
    return oracle.call("create_dispatch_rule", lkapi.CreateSIPDispatchRuleRequest(dispatch_rule=info))


def make_project(oracle) -> dict:
    """21 objects of every kind, the way a dashboard user leaves them: duplicate names, an unnamed
    trunk and rule, PINs, passwords, agents, attributes, metadata, number filters, a rule naming a
    trunk that does not exist, trunk-scoped and wildcard rules."""
    main = inbound(oracle, name="Main line", numbers=["+15550100"], allowed_addresses=["203.0.113.0/24"],
                   auth_username="main-pbx", auth_password=MAIN_PASSWORD, metadata='{"region": "eu"}',
                   headers_to_attributes={"X-Account": "account.id"}, krisp_enabled=True)
    support = inbound(oracle, name="Support line", numbers=["+15550101"],
                      allowed_numbers=["+15557770001", "+15557770002"],
                      include_headers=lkapi.SIPHeaderOptions.SIP_ALL_HEADERS,
                      ringing_timeout=Duration(seconds=30), max_call_duration=Duration(seconds=3600))
    sales = inbound(oracle, name="Sales line", numbers=["+15550102", "+15550103"], headers={"X-Org": "acme"},
                    attributes_to_headers={"sales.team": "X-Team"},
                    media_encryption=lkapi.SIPMediaEncryption.SIP_MEDIA_ENCRYPT_ALLOW)
    second = inbound(oracle, name="Main line", numbers=["+15550104"], auth_username="second-pbx",
                     auth_password=SECOND_PASSWORD)
    unnamed = inbound(oracle, numbers=["+15550105"], allowed_addresses=["198.51.100.7"])
    zurich = inbound(oracle, name="Zürich Büro", numbers=["+41445550100"])
    trunks_out = [
        outbound(oracle, name="Carrier A", address="sip.carrier-a.example.com:5061", numbers=["+15550200"],
                 transport=lkapi.SIPTransport.SIP_TRANSPORT_TLS, auth_username="carrier-a",
                 auth_password=CARRIER_PASSWORD, destination_country="US", from_host="pbx.example.com",
                 headers={"X-Org": "acme"}),
        outbound(oracle, name="Carrier B", address="sip.carrier-b.example.com", numbers=["+15550201", "+15550202"]),
        outbound(oracle, name="carrier-b", address="10.0.0.9", numbers=["+15550203"], metadata="fallback",
                 include_headers=lkapi.SIPHeaderOptions.SIP_X_HEADERS,
                 media_encryption=lkapi.SIPMediaEncryption.SIP_MEDIA_ENCRYPT_REQUIRE),
        outbound(oracle, name="Backup route", address="backup.example.com", numbers=["+15550204"],
                 headers_to_attributes={"X-Call": "call.ref"}, attributes_to_headers={"call.owner": "X-Owner"}),
        outbound(oracle, name="Carrier C", address="sip.carrier-c.example.com", numbers=["+15550205"]),
    ]
    agent = lkapi.RoomAgentDispatch(agent_name="inbound-agent", metadata='{"greeting": "hello"}',
                                    attributes={"tier": "gold"})
    rules = [
        rule(oracle, "individual", {"room_prefix": "call-"}, name="Main inbound", trunk_ids=[main.sip_trunk_id],
             attributes={"source": "main", "cost-centre": "42"}, metadata='{"owner": "ops"}',
             room_config=lkapi.RoomConfiguration(agents=[agent])),
        rule(oracle, "direct", {"room_name": "support", "pin": SUPPORT_PIN}, name="Support PIN",
             trunk_ids=[support.sip_trunk_id], hide_phone_number=True),
        rule(oracle, "callee", {"room_prefix": "sales-", "randomize": True}, name="Sales callee",
             trunk_ids=[sales.sip_trunk_id], inbound_numbers=["+15557770003"], numbers=["+15550102"]),
        rule(oracle, "individual", {"room_prefix": "any-", "no_randomness": True}, name="Wildcard",
             krisp_enabled=True, room_config=lkapi.RoomConfiguration(
                 empty_timeout=300, max_participants=4,
                 agents=[lkapi.RoomAgentDispatch(agent_name="triage"), lkapi.RoomAgentDispatch(agent_name="notes")])),
        rule(oracle, "direct", {"room_name": "vip", "pin": VIP_PIN}, name="Wildcard PIN"),
        rule(oracle, "individual", {"room_prefix": "multi-"}, name="Two trunks",
             trunk_ids=[second.sip_trunk_id, unnamed.sip_trunk_id],
             media_encryption=lkapi.SIPMediaEncryption.SIP_MEDIA_ENCRYPT_ALLOW),
        rule(oracle, "individual", {"room_prefix": "legacy-"}, name="Legacy", trunk_ids=["ST_removedLongAgo"]),
        rule(oracle, "individual", {"room_prefix": "zh-"}, name="Zürich", trunk_ids=[zurich.sip_trunk_id],
             room_preset="zurich-preset"),
        rule(oracle, "direct", {"room_name": "lobby", "pin": LOBBY_PIN}, trunk_ids=[main.sip_trunk_id]),
        rule(oracle, "callee", {"room_prefix": "support-"}, name="Main inbound", trunk_ids=[support.sip_trunk_id]),
    ]
    return {"inbound": [main, support, sales, second, unnamed, zurich], "outbound": trunks_out, "rules": rules}


def server_objects(oracle) -> dict:
    """Every object on the server by ID, as the official SDK reads it (timestamps included)."""
    items = [*oracle.inbound_trunks(), *oracle.outbound_trunks()]
    objects = {t.sip_trunk_id: t for t in items}
    objects.update({r.sip_dispatch_rule_id: r for r in oracle.rules()})
    return objects


def adopt(*args: str, env: dict) -> subprocess.CompletedProcess:
    # As a user runs it: the console script, the connection from LIVEKIT_* unless flags say otherwise.
    return subprocess.run([str(ADOPT), *args], env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=120)


def secret_settings(output: str) -> dict[str, str]:
    commands = [shlex.split(line) for line in output.splitlines() if "pulumi config set --secret" in line]
    return {argv[4]: argv[-1] for argv in commands if not argv[4].startswith("livekit:")}


def mutations(proxy: FaultProxy) -> dict[str, int]:
    return {method: n for method, n in proxy.counts.items() if MUTATIONS.match(method)}


def use_test_bed_venv(program: Path) -> None:
    """Point the generated project at the test bed's virtualenv instead of its own `venv`."""
    text = (program / "Pulumi.yaml").read_text()
    text = text.replace("virtualenv: venv", f"virtualenv: {VENV}").replace("path: venv/bin", f"path: {VENV}/bin")
    (program / "Pulumi.yaml").write_text(text)


def test_round_trip_imports_everything_unchanged_then_updates_one_edited_field(tmp_path, livekit, oracle,
                                                                                pulumi_stack):
    made = make_project(oracle)
    before = server_objects(oracle)
    assert len(before) == 21
    creds = livekit.credentials
    out = tmp_path / "infra" / "livekit"

    with FaultProxy(creds.url) as proxy:
        written = adopt("--out", str(out), env={**creds.env(), "LIVEKIT_URL": proxy.url})
        assert written.returncode == 0, written.stderr
        # One List request per kind.
        assert dict(proxy.counts) == {"ListSIPInboundTrunk": 1, "ListSIPOutboundTrunk": 1, "ListSIPDispatchRule": 1}
    shown = adopt("--dry-run", "--show-secrets", env=creds.env())
    assert shown.returncode == 0, shown.stderr

    files = {name: (out / name).read_text() for name in ("__main__.py", "Pulumi.yaml", "requirements.txt")}
    assert shown.stdout == files["__main__.py"]  # the same objects give the same bytes
    compile(files["__main__.py"], "__main__.py", "exec")
    assert files["__main__.py"].count("import_=") == 21
    for object_id in before:
        assert f'import_="{object_id}"' in files["__main__.py"]
    for secret in (*SECRETS, creds.api_secret):
        for name, text in {**files, "stdout": written.stdout, "stderr": written.stderr}.items():
            assert secret not in text, f"a secret is in plaintext in {name}"
    assert "pulumi config set --secret support-pin-pin ********" in written.stdout
    # Two trunks named "Main line": the lower ID keeps the plain name.
    main, second = made["inbound"][0], made["inbound"][3]
    main_name, second_name = ("main-line", "main-line-2") if main.sip_trunk_id < second.sip_trunk_id else (
        "main-line-2", "main-line")
    unnamed_rule = "sdr-" + made["rules"][8].sip_dispatch_rule_id[len("SDR_"):].lower()
    settings = secret_settings(shown.stdout + shown.stderr)
    assert settings == {f"{main_name}-password": MAIN_PASSWORD, f"{second_name}-password": SECOND_PASSWORD,
                        "carrier-a-password": CARRIER_PASSWORD, "support-pin-pin": SUPPORT_PIN,
                        "wildcard-pin-pin": VIP_PIN, f"{unnamed_rule}-pin": LOBBY_PIN}
    assert creds.api_secret not in shown.stdout + shown.stderr
    # Rules name adopted trunks by reference, and a trunk that is not adopted by its ID.
    assert f"trunk_ids=[{main_name.replace('-', '_')}.id]," in files["__main__.py"]
    assert f"trunk_ids=[{second_name.replace('-', '_')}.id, " in files["__main__.py"]
    assert 'trunk_ids=["ST_removedLongAgo"],' in files["__main__.py"]

    use_test_bed_venv(out)
    with FaultProxy(creds.url) as proxy:
        stack = pulumi_stack(out)
        stack.set_config("livekit:url", proxy.url)
        for key, value in settings.items():
            stack.set_config(key, value, secret=True)

        up = stack.up()
        assert up.changes == {"create": 1, "import": 21}, up.summary  # the stack, and every object
        assert mutations(proxy) == {}, proxy.counts
        assert server_objects(oracle) == before  # same IDs, same fields, same timestamps
        reads = sum(proxy.counts.values())
        # One listing per kind serves every import's read.
        assert dict(proxy.counts) == {"ListSIPInboundTrunk": 1, "ListSIPOutboundTrunk": 1, "ListSIPDispatchRule": 1}

        proxy.clear()
        stack.preview("--expect-no-changes")
        assert sum(proxy.counts.values()) == 0, proxy.counts

        program = stack.program_dir / "__main__.py"
        source = program.read_text()
        assert source.count("metadata='{\"owner\": \"ops\"}',") == 1
        program.write_text(source.replace("metadata='{\"owner\": \"ops\"}',", "metadata='{\"owner\": \"voice\"}',"))
        up = stack.up()
        assert up.changes == {"update": 1} and up.summary["same"] == 21, up.summary  # 20 objects + the stack
        assert mutations(proxy) == {"UpdateSIPDispatchRule": 1}, proxy.counts

    after = server_objects(oracle)
    edited = made["rules"][0].sip_dispatch_rule_id
    assert after.keys() == before.keys()
    assert [object_id for object_id in before if after[object_id] != before[object_id]] == [edited]
    assert after[edited].metadata == '{"owner": "voice"}'
    # Nothing else about it changed.
    assert server_state(after[edited]) == {**server_state(before[edited]), "metadata": '{"owner": "voice"}'}
    print(f"adopt round trip: 21 objects imported with {reads} read requests and 0 writes; 1 edit -> 1 update")


def declared(program: str) -> list[str]:
    """`<type> <import ID>` of each resource the program declares, in order."""
    return [f"{kind} {object_id}" for kind, object_id in re.findall(
        r"= livekit\.(\w+)\(\n(?:    .*\n)*?    opts=pulumi\.ResourceOptions\(import_=\"(\w+)\"\)", program)]


def test_filters_pick_trunks_with_their_rules_kinds_and_names(livekit, oracle):
    made = make_project(oracle)
    env = livekit.credentials.env()
    support = made["inbound"][1].sip_trunk_id
    support_rules = sorted([made["rules"][9], made["rules"][1]], key=lambda r: (r.name.casefold(), r.name))

    by_trunk = adopt("--dry-run", "--trunk", support, env=env)
    assert by_trunk.returncode == 0, by_trunk.stderr
    assert declared(by_trunk.stdout) == [f"InboundTrunk {support}",
                                         *(f"DispatchRule {r.sip_dispatch_rule_id}" for r in support_rules)]
    assert by_trunk.stdout.count("trunk_ids=[support_line.id],") == 2
    as_module = subprocess.run([str(VENV / "bin" / "python"), "-m", "pulumi_livekit.adopt", "--dry-run", "--trunk",
                                support], env={**os.environ, **env}, capture_output=True, text=True, timeout=120)
    assert as_module.returncode == 0 and as_module.stdout == by_trunk.stdout, as_module.stderr

    outbound_only = adopt("--dry-run", "--kind", "outbound-trunk", env=env)
    assert [d.split()[0] for d in declared(outbound_only.stdout)] == ["OutboundTrunk"] * 5

    named = adopt("--dry-run", "--kind", "dispatch-rule", "--kind", "inbound-trunk", "--name", "Wildcard*",
                  "--name", "Two*", env=env)
    wildcard, wildcard_pin, two_trunks = (made["rules"][i].sip_dispatch_rule_id for i in (3, 4, 5))
    assert declared(named.stdout) == [f"DispatchRule {two_trunks}", f"DispatchRule {wildcard}",
                                      f"DispatchRule {wildcard_pin}"]
    # The trunks of "Two trunks" are not adopted: they stay IDs.
    second, unnamed = made["inbound"][3].sip_trunk_id, made["inbound"][4].sip_trunk_id
    assert f'trunk_ids=["{second}", "{unnamed}"],' in named.stdout
    assert "Adopted 3 dispatch rules" in named.stderr and "wildcard-pin-pin ********" in named.stderr

    nothing = adopt("--dry-run", "--name", "no such object", env=env)
    assert nothing.returncode == 1 and nothing.stdout == ""
    assert "nothing to adopt" in nothing.stderr and "none matching the filters" in nothing.stderr


def test_errors_are_one_line_naming_what_to_fix_and_never_the_secret(tmp_path, livekit, oracle):
    creds = livekit.credentials
    make_project(oracle)
    wrong_secret = "not-the-Secret-7731"

    def fails(result: subprocess.CompletedProcess, code: int, *fragments: str) -> None:
        assert result.returncode == code, (result.returncode, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert result.stderr.startswith("livekit-adopt: error: ")
        for fragment in fragments:
            assert fragment in result.stderr, result.stderr
        for secret in (creds.api_secret, wrong_secret, *SECRETS):
            assert secret not in result.stdout + result.stderr

    fails(adopt("--dry-run", "--api-secret", wrong_secret, env=creds.env()), 1,
          f"rejected API key {creds.api_key!r}", "LIVEKIT_API_SECRET")
    fails(adopt("--dry-run", "--url", "http://127.0.0.1:9", env=creds.env()), 1,
          "connection to LiveKit at http://127.0.0.1:9 failed")
    no_key = {**os.environ, **creds.env()}
    del no_key["LIVEKIT_API_KEY"]
    result = subprocess.run([str(ADOPT), "--dry-run"], env=no_key, capture_output=True, text=True, timeout=60)
    fails(result, 1, "no LiveKit API key: pass --api-key or export LIVEKIT_API_KEY")
    fails(adopt("--dry-run", "--url", "sip://pbx.example.com", env=creds.env()), 1, "--url has scheme 'sip'")
    fails(adopt("--dry-run", "--kind", "trunk", env=creds.env()), 2, "argument --kind: invalid choice: 'trunk'")
    fails(adopt(env=creds.env()), 2, "pass --out DIR to write the program, or --dry-run to print it")

    out = tmp_path / "existing"
    out.mkdir()
    (out / "__main__.py").write_text("# mine\n")
    fails(adopt("--out", str(out), env=creds.env()), 1, f"{out} already has __main__.py", "--force")
    assert (out / "__main__.py").read_text() == "# mine\n" and not (out / "Pulumi.yaml").exists()
    forced = adopt("--out", str(out), "--force", env=creds.env())
    assert forced.returncode == 0, forced.stderr
    assert "import_=" in (out / "__main__.py").read_text() and (out / "Pulumi.yaml").exists()
