"""`livekit-adopt`'s program run by the real Pulumi engine against a real livekit-server.

The round trip: a project made with the official SDK (`oracle`) -> `livekit-adopt`
-> `pulumi up` imports everything with no create, update or delete request (counted through
`FaultProxy`) and the server unchanged -> `preview --expect-no-changes` -> one field edited in the
generated program -> `up` updates exactly that object.
"""

from __future__ import annotations

import itertools
import re
import shlex
import subprocess
from pathlib import Path

from livekit import api as lkapi

from pulumi_livekit.testing import FaultProxy
from pulumi_livekit.testing._tools import tools_path_env

from support import (
    ADOPT,
    ADOPTED_SECRETS,
    CARRIER_PASSWORD,
    LOBBY_PIN,
    MAIN_PASSWORD,
    REPO,
    SECOND_PASSWORD,
    SUPPORT_PIN,
    VENV,
    VIP_PIN,
    adopt,
    make_project_to_adopt,
    server_state,
)

MUTATIONS = re.compile(r"^(Create|Update|Delete)SIP")
LISTS = ("ListSIPInboundTrunk", "ListSIPOutboundTrunk", "ListSIPDispatchRule")


def server_objects(oracle) -> dict:
    """Every object on the server by ID, as the official SDK reads it (timestamps included)."""
    items = [*oracle.inbound_trunks(), *oracle.outbound_trunks()]
    objects = {t.sip_trunk_id: t for t in items}
    objects.update({r.sip_dispatch_rule_id: r for r in oracle.rules()})
    return objects


def secret_settings(output: str) -> dict[str, str]:
    commands = [shlex.split(line) for line in output.splitlines() if "pulumi config set --secret" in line]
    keys = [(next(arg for arg in argv[4:] if not arg.startswith("--")), argv[-1]) for argv in commands]
    return {key: value for key, value in keys if not key.startswith("livekit:")}


def mutations(proxy: FaultProxy) -> dict[str, int]:
    return {method: n for method, n in proxy.counts.items() if MUTATIONS.match(method)}


def use_test_bed_venv(program: Path) -> None:
    """Point the generated project at the test bed's virtualenv instead of its own `venv`."""
    text = (program / "Pulumi.yaml").read_text()
    text = text.replace("virtualenv: venv", f"virtualenv: {VENV}").replace("path: plugins", f"path: {VENV}/bin")
    (program / "Pulumi.yaml").write_text(text)


def test_round_trip_imports_everything_unchanged_then_updates_one_edited_field(tmp_path, livekit, oracle,
                                                                                pulumi_stack):
    made = make_project_to_adopt(oracle)
    before = server_objects(oracle)
    assert len(before) == 21
    creds = livekit.credentials
    out = tmp_path / "infra" / "livekit"

    with FaultProxy(creds.url) as proxy:
        written = adopt("--out", str(out), env={**creds.env(), "LIVEKIT_URL": proxy.url})
        assert written.returncode == 0, written.stderr
        # One List request per kind.
        assert dict(proxy.counts) == dict.fromkeys(LISTS, 1)
    shown = adopt("--dry-run", "--show-secrets", env=creds.env())
    assert shown.returncode == 0, shown.stderr

    files = {name: (out / name).read_text() for name in ("__main__.py", "Pulumi.yaml", "requirements.txt",
                                                         "plugins/pulumi-resource-pulumi-python")}
    assert shown.stdout == files["__main__.py"]  # the same objects give the same bytes
    compile(files["__main__.py"], "__main__.py", "exec")
    assert files["__main__.py"].count("import_=") == 21
    for object_id in before:
        assert f'import_="{object_id}"' in files["__main__.py"]
    for secret in (*ADOPTED_SECRETS, creds.api_secret):
        for name, text in {**files, "stdout": written.stdout, "stderr": written.stderr}.items():
            assert secret not in text, f"a secret is in plaintext in {name}"
    assert "  pulumi config set --secret support-pin-pin\n" in written.stdout  # asks for the value
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
        assert dict(proxy.counts) == dict.fromkeys(LISTS, 1)

        proxy.clear()
        stack.preview("--expect-no-changes")
        assert dict(proxy.counts) == {"ListSIPDispatchRule": 1}  # the checks verify the connection, once

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


def printed_lines(output: str) -> list[str]:
    """The commands livekit-adopt printed after "Next", as a user would copy them."""
    after = output.split("\nNext", 1)[1].splitlines()[1:]
    return [line[2:] for line in itertools.takewhile(lambda line: line.startswith("  "), after)]


def newcomer(tmp_path: Path) -> tuple[Path, dict]:
    """An empty folder, and an environment with `pulumi` on PATH and nothing else (no virtualenv, no plugin
    installed, plugin acquisition left on, a local backend)."""
    user = tmp_path / "user"
    user.mkdir()
    (tmp_path / "backend").mkdir()
    return user, {"PATH": tools_path_env(), "HOME": str(tmp_path / "home"), "PULUMI_HOME": str(tmp_path / "pulumi-home"),
                  "PULUMI_BACKEND_URL": f"file://{tmp_path / 'backend'}", "PULUMI_CONFIG_PASSPHRASE": "passphrase",
                  "PULUMI_SKIP_UPDATE_CHECK": "true", "PULUMI_SKIP_CONFIRMATIONS": "true",
                  "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def shell(script: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-e", "-x", "-c", script], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=900)


def follow(lines: list[str], cwd: Path, env: dict, proxy: FaultProxy) -> subprocess.CompletedProcess:
    """The printed lines run as a shell runs them: everything imported, no object changed."""
    proxy.clear()
    followed = shell("\n".join(lines), cwd, env)
    assert followed.returncode == 0, followed.stdout[-3000:] + followed.stderr[-3000:]
    assert "21 imported" in followed.stdout and not re.search(r"\d+ (created|updated|deleted)", followed.stdout
                                                              .replace("+ 1 created", "")), followed.stdout
    assert mutations(proxy) == {}, proxy.counts
    # `pulumi up` previews, then updates, in two provider processes, and each lists every kind once.
    assert dict(proxy.counts) == dict.fromkeys(LISTS, 2), proxy.counts
    assert "**two List requests per kind**" in (REPO / "docs" / "adoption.md").read_text()  # as the doc says
    return followed


def deleted_rule_comes_back(gone, before: dict, program_dir: Path, env: dict, proxy: FaultProxy, oracle) -> None:
    """A rule deleted outside Pulumi: the next `up --refresh` makes it again, alone, as it was."""
    oracle.call("delete_dispatch_rule", lkapi.DeleteSIPDispatchRuleRequest(sip_dispatch_rule_id=gone.sip_dispatch_rule_id))
    proxy.clear()
    again = shell("pulumi up --refresh", program_dir, env)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert mutations(proxy) == {"CreateSIPDispatchRule": 1}, proxy.counts
    [recreated] = [r for r in oracle.rules() if r.sip_dispatch_rule_id not in before]
    assert server_state(recreated) == server_state(gone)


def test_from_an_empty_folder_the_printed_lines_import_everything_and_a_deleted_object_comes_back(tmp_path, livekit,
                                                                                                  oracle):
    """As a newcomer: an empty folder, `pulumi` on PATH and nothing else (no virtualenv, no plugin installed,
    plugin acquisition left on), the lines livekit-adopt prints run as a shell runs them."""
    made = make_project_to_adopt(oracle)
    before = server_objects(oracle)
    creds = livekit.credentials
    user, env = newcomer(tmp_path)
    with FaultProxy(creds.url) as proxy:
        livekit_env = {**creds.env(), "LIVEKIT_URL": proxy.url}
        written = subprocess.run([str(ADOPT), "--out", "infra", "--show-secrets"], cwd=user, capture_output=True,
                                 text=True, env={**env, **livekit_env}, timeout=120)
        assert written.returncode == 0, written.stderr
        lines = printed_lines(written.stdout)
        assert lines[:3] == ["cd infra", "pulumi install", "pulumi stack init dev"], written.stdout
        assert lines[-2:] == ["pulumi up", "venv/bin/livekit-adopt --finish"], written.stdout
        assert 'pulumi config set --secret livekit:apiSecret -- "$LIVEKIT_API_SECRET"' in lines

        followed = follow(lines, user, {**env, **livekit_env}, proxy)
        assert server_objects(oracle) == before
        assert "dropped import_ from 21 resources the stack holds" in followed.stdout
        program_dir = user / "infra"
        assert "import_=" not in (program_dir / "__main__.py").read_text()
        assert (program_dir / "__main__.py").read_text().count("protect=True") == 21

        deleted_rule_comes_back(made["rules"][1], before, program_dir, {**env, **livekit_env}, proxy, oracle)

        # A fresh clone of the adopted repository (the virtualenv is not in it) previews clean.
        clone = tmp_path / "clone"
        git = "git -c user.name=n -c user.email=n@example.com"
        shell(f"git init -q && git add -A && {git} commit -qm adopted && git clone -q . {clone}", program_dir, env)
        assert not (clone / "venv").exists() and (clone / "plugins").is_dir()
        # `pulumi install` makes a clone's virtualenv from its Pulumi.yaml (which names `venv`) and requirements.txt
        # (what goes in it); the clone holds both byte for byte as they are here, where the printed `pulumi install`
        # made `venv` from them: that virtualenv is the clone's.
        for name in ("Pulumi.yaml", "requirements.txt"):
            assert (clone / name).read_bytes() == (program_dir / name).read_bytes(), name
        (clone / "venv").symlink_to(program_dir / "venv", target_is_directory=True)
        fresh = shell("pulumi stack select dev && pulumi preview --expect-no-changes", clone, {**env, **livekit_env})
        assert fresh.returncode == 0, fresh.stdout[-3000:] + fresh.stderr[-3000:]


def test_importing_an_id_that_does_not_exist_says_so_naming_the_id_and_the_kind(tmp_path, livekit, pulumi_stack):
    program = tmp_path / "gone"
    program.mkdir()
    (program / "Pulumi.yaml").write_text(f"""name: gone
runtime:
  name: python
  options:
    virtualenv: {VENV}
plugins:
  providers:
    - name: pulumi-python
      path: {VENV}/bin
""")
    (program / "__main__.py").write_text('''import pulumi
import pulumi_livekit as livekit

livekit.DispatchRule("vip", rule=livekit.DispatchRuleIndividual(room_prefix="vip-"),
                     opts=pulumi.ResourceOptions(import_="SDR_deletedLongAgo"))
''')
    up = pulumi_stack(program).up(check=False)
    assert up.returncode != 0
    assert (f"cannot import DispatchRule SDR_deletedLongAgo: the LiveKit project at {livekit.credentials.url} has no "
            "DispatchRule with that ID") in up.output, up.output
    assert "livekit-adopt --finish" in up.output and "does not support importing" not in up.output


def test_the_documented_pulumi_import_command_adopts_each_kind_with_exit_code_0(tmp_path, livekit, oracle,
                                                                                pulumi_stack):
    made = make_project_to_adopt(oracle)
    commands = re.findall(r"^pulumi import (pulumi-python:dynamic/livekit:\w+) \S+ \S+ (--generate-code=false --yes)$",
                          (REPO / "docs" / "adoption.md").read_text(), re.MULTILINE)
    assert [token for token, _ in commands] == ["pulumi-python:dynamic/livekit:DispatchRule",
                                               "pulumi-python:dynamic/livekit:InboundTrunk"]
    program = tmp_path / "cli-import"
    written = adopt("--out", str(program), "--name", "no object has this name*", "--name", "Support*",
                    env=livekit.credentials.env())
    assert written.returncode == 0, written.stderr
    use_test_bed_venv(program)
    (program / "__main__.py").write_text("import pulumi\n")  # nothing declared: `pulumi import` alone
    stack = pulumi_stack(program)
    objects = {"DispatchRule": made["rules"][1].sip_dispatch_rule_id, "InboundTrunk": made["inbound"][1].sip_trunk_id,
               "OutboundTrunk": made["outbound"][0].sip_trunk_id}
    for kind, object_id in objects.items():
        done = stack.run("import", f"pulumi-python:dynamic/livekit:{kind}", kind.lower(), object_id,
                         *commands[0][1].split(), check=False)
        assert done.returncode == 0, done.output
    imported = {r["id"]: r.get("protect", False) for r in stack.resources() if "dynamic/livekit:" in r["type"]}
    assert imported == dict.fromkeys(objects.values(), True)  # `pulumi import` protects what it imports


def test_as_a_pulumi_yaml_program_from_an_empty_folder_the_printed_lines_import_everything(tmp_path, livekit,
                                                                                           oracle):
    """`--language yaml`: the plugin's resources in a Pulumi YAML program, the printed lines run as a shell runs
    them, a PIN of digits from secret config (which the engine hands the program as a number) included."""
    made = make_project_to_adopt(oracle)
    before = server_objects(oracle)
    creds = livekit.credentials
    user, env = newcomer(tmp_path)
    with FaultProxy(creds.url) as proxy:
        livekit_env = {**creds.env(), "LIVEKIT_URL": proxy.url}
        written = subprocess.run([str(ADOPT), "--out", "infra", "--language", "yaml", "--show-secrets"], cwd=user,
                                 capture_output=True, text=True, env={**env, **livekit_env}, timeout=120)
        assert written.returncode == 0, written.stderr
        program_dir = user / "infra"
        assert sorted(p.name for p in program_dir.iterdir()) == ["Pulumi.yaml"]
        text = (program_dir / "Pulumi.yaml").read_text()
        assert text.count("type: livekit:index:") == 21 and text.count("import: S") == 21
        assert str(tmp_path) not in text and str(REPO) not in text  # no path of this machine: a clone works anywhere
        for secret in (*ADOPTED_SECRETS, creds.api_secret):
            assert secret not in text
        lines = printed_lines(written.stdout)
        assert lines[:2] == ["cd infra", f"{VENV / 'bin' / 'livekit-plugin'} install"], written.stdout
        assert lines[-2:] == ["pulumi up", f"{VENV / 'bin' / 'livekit-adopt'} --finish"], written.stdout

        followed = follow(lines, user, {**env, **livekit_env}, proxy)
        assert server_objects(oracle) == before
        assert "dropped import from 21 resources the stack holds" in followed.stdout
        finished = (program_dir / "Pulumi.yaml").read_text()
        assert "import:" not in finished and finished.count("protect: true") == 21

        deleted_rule_comes_back(made["rules"][1], before, program_dir, {**env, **livekit_env}, proxy, oracle)
        fresh = shell("pulumi preview --expect-no-changes", program_dir, {**env, **livekit_env})
        assert fresh.returncode == 0, fresh.stdout[-3000:] + fresh.stderr[-3000:]
