"""`livekit-adopt` as a user runs it, against a real livekit-server: its filters and its errors
(its program through the engine: tests/engine/test_adopt.py)."""

from __future__ import annotations

import os
import re
import subprocess

from support import ADOPT, ADOPTED_SECRETS, VENV, adopt, make_project_to_adopt


def declared(program: str) -> list[str]:
    """`<type> <import ID>` of each resource the program declares, in order."""
    return [f"{kind} {object_id}" for kind, object_id in re.findall(
        r"= livekit\.(\w+)\(\n(?:    .*\n)*?    opts=pulumi\.ResourceOptions\(import_=\"(\w+)\", protect=True\)", program)]


def test_filters_pick_trunks_with_their_rules_kinds_and_names(livekit, oracle):
    made = make_project_to_adopt(oracle)
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
    assert "Adopted 3 dispatch rules" in named.stderr and "wildcard-pin-pin\n" in named.stderr

    nothing = adopt("--dry-run", "--name", "no such object", env=env)
    assert nothing.returncode == 1 and nothing.stdout == ""
    assert "nothing to adopt" in nothing.stderr and "none matching the filters" in nothing.stderr


def test_errors_are_one_line_naming_what_to_fix_and_never_the_secret(tmp_path, livekit, oracle):
    creds = livekit.credentials
    make_project_to_adopt(oracle)
    wrong_secret = "not-the-Secret-7731"

    def fails(result: subprocess.CompletedProcess, code: int, *fragments: str) -> None:
        assert result.returncode == code, (result.returncode, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert result.stderr.startswith("livekit-adopt: error: ")
        for fragment in fragments:
            assert fragment in result.stderr, result.stderr
        for secret in (creds.api_secret, wrong_secret, *ADOPTED_SECRETS):
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
