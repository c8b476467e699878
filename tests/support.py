"""What the test tiers share: paths, the official-SDK oracle, stack helpers, bad-input tables and the
test bed's fixtures.

Importing this module starts nothing. The fixtures below that start livekit-server and Redis become
visible only where a conftest calls `use_test_bed` (tests/server and tests/engine), so
`make test-fast` (tests/unit) never starts a server.
"""

from __future__ import annotations

import asyncio
import collections
import fcntl
import functools
import itertools
import json
import os
import shutil
import ssl
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest
import trustme
import yaml
from google.protobuf import json_format
from google.protobuf.duration_pb2 import Duration
from livekit import api as lkapi

from pulumi_livekit.cli._codegen._yaml_text import dump as yaml_text
from pulumi_livekit.routing import WARNING_CODES
from pulumi_livekit.testing import Credentials, FaultProxy, LocalLiveKit, PulumiStack, Result, RoutingOracle

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
PROGRAMS = Path(__file__).resolve().parent / "programs"


def package_source(folder: Path) -> Path:
    """The files a build of the package reads, copied from the clone into `folder`: pip builds a source folder in
    place, and the `build/` setuptools leaves there keeps modules since moved or deleted, which the next install
    from the clone would ship."""
    for name in ("pyproject.toml", "README.md", "MANIFEST.in", "CHANGELOG.md"):
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / name, folder / name)
    shutil.copytree(REPO / "provider", folder / "provider", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    return folder


def build_distributions(out: Path) -> dict[str, Path]:
    """The sdist and the wheel `python -m build` makes of the clone into `out` (the wheel built from the sdist, as
    build does by default, so a file missing from the sdist fails the build). Built from a copy of the clone: the
    build writes egg-info into the source tree, which other workers' tests install from."""
    source = out / "source" / "pulumi-livekit"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", ".tools", ".state", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache"))
    built = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out / "dist"), str(source)],
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    shutil.rmtree(out / "source")
    [sdist], [wheel] = sorted((out / "dist").glob("*.tar.gz")), sorted((out / "dist").glob("*.whl"))
    return {"sdist": sdist, "wheel": wheel}


@functools.lru_cache(maxsize=None)
def pyproject() -> dict:
    """The clone's pyproject.toml, parsed."""
    return tomllib.loads((REPO / "pyproject.toml").read_text())


# ---- reading and writing server state --------------------------------------------------------


class Oracle:
    """The official `livekit-api` SDK: an independent reader (and out-of-band writer) of server state."""

    def __init__(self, credentials: Credentials) -> None:
        self.credentials = credentials

    def call(self, method: str, *args, **kwargs):
        async def run():
            async with lkapi.LiveKitAPI(self.credentials.url, self.credentials.api_key,
                                        self.credentials.api_secret) as client:
                return await getattr(client.sip, method)(*args, **kwargs)
        return asyncio.run(run())

    def rules(self) -> list:
        return list(self.call("list_dispatch_rule", lkapi.ListSIPDispatchRuleRequest()).items)

    def rule(self, rule_id: str):
        found = [r for r in self.rules() if r.sip_dispatch_rule_id == rule_id]
        return found[0] if found else None

    def inbound_trunks(self) -> list:
        return list(self.call("list_inbound_trunk", lkapi.ListSIPInboundTrunkRequest()).items)

    def outbound_trunks(self) -> list:
        return list(self.call("list_outbound_trunk", lkapi.ListSIPOutboundTrunkRequest()).items)


def server_state(rule) -> dict:
    """A server rule as a snake_case dict without ID, timestamps or the empty `media` the server adds."""
    state = json_format.MessageToDict(rule, preserving_proto_field_name=True)
    for key in ("sip_dispatch_rule_id", "created_at", "updated_at"):
        state.pop(key, None)
    if state.get("media") == {}:
        del state["media"]
    return state


def livekit_routes(*args: str, env: Optional[dict] = None, stdin: Optional[str] = None,
                   cwd=None) -> subprocess.CompletedProcess:
    """`livekit-routes` run as a user runs it: a process of its own, with this environment and `env`."""
    return subprocess.run([sys.executable, "-m", "pulumi_livekit.routes", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, input=stdin, cwd=cwd, timeout=120)


def duplicates(keys) -> int:
    """How many objects are extra copies (0 when every key occurs once)."""
    return sum(count - 1 for count in collections.Counter(keys).values())


# ---- time limits ---------------------------------------------------------------------------------

# Allowed over a failing call's configured worst case when the call runs in the test process: the client's
# own work and thread scheduling on this 2-core machine, shared with other test workers, take well under a
# second; one more timeout or backoff than configured would not fit in it.
IN_PROCESS_MARGIN = 1.0


def failing_call_budget(timeout, retry) -> float:
    """The longest a client call may take when every attempt fails (`timeout` an httpx.Timeout, `retry` the
    client's RetryPolicy): an attempt stalls in one phase at most (connect for a dead address, read for a
    silent server), and the client sleeps at most `max_delay` between attempts."""
    longest_phase = max(t for t in (timeout.connect, timeout.write, timeout.read, timeout.pool) if t)
    return retry.attempts * longest_phase + (retry.attempts - 1) * retry.max_delay + IN_PROCESS_MARGIN


# ---- stacks --------------------------------------------------------------------------------------

# The virtualenv the test programs, the provider plugin and the package's commands run in (scripts/bootstrap): the
# package and its own dependencies, nothing else, as a user's project has them. (.venv, with the dev tools, runs
# pytest; in it httpx imports its command line and pyjwt imports cryptography, a tenth of a second a process.)
VENV = REPO / ".tools" / "user-venv"
PLUGIN_DIR = VENV / "bin"  # where `make bootstrap` installs the console script


def yaml_program(folder: Path, resources: dict[str, Any], *, plugin_entry: bool = True,
                 config: Optional[dict[str, Any]] = None, variables: Optional[dict[str, Any]] = None,
                 outputs: Optional[dict[str, Any]] = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    project: dict[str, Any] = {"name": "plugin-test", "runtime": "yaml"}
    if plugin_entry:
        project["plugins"] = {"providers": [{"name": "livekit", "path": str(PLUGIN_DIR)}]}
    if config:
        project["config"] = config
    if variables:
        project["variables"] = variables
    project["resources"] = resources
    if outputs:
        project["outputs"] = outputs
    # As a careful user writes it: a string the YAML host would read as a number (1e3) quoted.
    (folder / "Pulumi.yaml").write_text(yaml_text(project, sort_keys=False))
    return folder


SILENCE_WITH = "[silence with livekit:ignoreRoutingWarnings: "  # what ends each routing warning


def warnings_of(preview: Result) -> dict[str, set[str]]:
    """Resource name -> the codes of the routing warnings the preview's engine events attach to it."""
    found: dict[str, set[str]] = {}
    for diagnostic in preview.diagnostics:
        if diagnostic.severity == "warning" and SILENCE_WITH in diagnostic.message:
            code = diagnostic.message.rsplit(SILENCE_WITH, 1)[1].split(":", 1)[0]
            assert code in WARNING_CODES, diagnostic.message
            found.setdefault(diagnostic.resource, set()).add(code)
    return found


# ---- the policy pack -----------------------------------------------------------------------------

POLICY_VENV = REPO / ".tools" / "policy-venv"  # the `policy` extra's virtualenv (scripts/bootstrap)


def livekit_policy(*args: str, env: Optional[dict] = None, stdin: Optional[str] = None,
                   cwd=None) -> subprocess.CompletedProcess:
    """`livekit-policy` as a user runs it: the console script of a virtualenv with the `policy` extra."""
    return subprocess.run([str(POLICY_VENV / "bin" / "livekit-policy"), *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, input=stdin, cwd=cwd, timeout=120)


@functools.lru_cache(maxsize=None)
def policy_pack() -> str:
    """What `pulumi preview --policy-pack` takes: `livekit-policy path`."""
    done = livekit_policy("path")
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def policy_findings(result: Result, *, notes: bool = False) -> dict[str, set[str]]:
    """Resource name -> the policies the pack reported a violation of on it, from the engine's events; with
    `notes`, the policies that noted instead what they could not check there (the engine puts a stack policy's
    note on the stack, under "")."""
    found: dict[str, set[str]] = {}
    for event in result.events:
        policy = event.policy_event
        if policy and (NOTE in policy.message) == notes:
            urn = policy.resource_urn
            name = "" if not urn or "::pulumi:pulumi:Stack::" in urn else urn.rsplit("::", 1)[-1]
            found.setdefault(name, set()).add(policy.policy_name)
    return found


NOTE = "can't run policy"  # how pulumi-policy words a policy's note that a value is not known at preview


def configure_for(stack: PulumiStack, credentials: Credentials) -> None:
    stack.set_config("livekit:url", credentials.url)
    stack.set_config("livekit:apiKey", credentials.api_key)
    stack.set_config("livekit:apiSecret", credentials.api_secret, secret=True)


def make_stack(tmp_path: Path, program: Path, livekit: LocalLiveKit, *, url: Optional[str] = None,
               name: str = "test", env: Optional[dict] = None, config: Optional[dict] = None) -> PulumiStack:
    """A stack of `program` reaching LiveKit at `url` (default: the server itself).

    Credentials come from the environment (LIVEKIT_*), which the provider reads after stack config:
    it spares three `pulumi config set` runs per stack. The secrets audit uses stack config instead.
    """
    creds = livekit.credentials
    stack = PulumiStack(program, name, workdir=tmp_path / f"{program.name}-{name}", env={
        "LIVEKIT_URL": url or creds.url, "LIVEKIT_API_KEY": creds.api_key, "LIVEKIT_API_SECRET": creds.api_secret,
        **(env or {})})
    if config:
        write_config(stack, config)
    return stack


def write_config(stack: PulumiStack, values: dict[str, Any], *, replace: bool = False) -> None:
    """Plain (non-secret) stack config, written straight into Pulumi.<stack>.yaml.

    Keys without a namespace belong to the program's project; a value of None removes the key."""
    project = yaml.safe_load((stack.program_dir / "Pulumi.yaml").read_text())["name"]
    path = stack.program_dir / f"Pulumi.{stack.stack}.yaml"
    settings = yaml.safe_load(path.read_text()) or {}
    config = {} if replace else dict(settings.get("config") or {})
    for key, value in values.items():
        key = key if ":" in key else f"{project}:{key}"
        if value is None:
            config.pop(key, None)
        else:
            config[key] = value if isinstance(value, str) else json.dumps(value)
    settings["config"] = config
    path.write_text(yaml.safe_dump(settings))


def example_stack(pulumi_stack, folder: Path, stack_name: str, **options: Any) -> PulumiStack:
    """A stack of the example in `folder` (made by the `pulumi_stack` fixture, with `options`), with the example's
    own Pulumi.<stack_name>.yaml settings.

    PulumiStack does not copy Pulumi.*.yaml, and `stack init` already wrote this stack's file (the encryption
    salt; livekit:* joins it before the first command), so the example's config is merged into it."""
    stack = pulumi_stack(folder, stack_name, **options)
    example = yaml.safe_load((folder / f"Pulumi.{stack_name}.yaml").read_text())
    target = stack.program_dir / f"Pulumi.{stack_name}.yaml"
    settings = yaml.safe_load(target.read_text())
    settings.setdefault("config", {}).update(example["config"])
    target.write_text(yaml.safe_dump(settings))
    return stack


def state_ids(stack: PulumiStack, type_suffix: str) -> dict[str, str]:
    """Resource name -> ID of the stack's resources of one type, as `pulumi stack export` has them."""
    return {r["urn"].rsplit("::", 1)[1]: r["id"] for r in stack.resources(type_suffix)}


# ---- bad input -----------------------------------------------------------------------------------

# DispatchRule cases for the `rule` program (tests/engine/test_dispatch_rule.py); tests/engine/test_bad_input.py
# checks that its own cases are distinct from these.
DISPATCH_RULE_BAD_INPUTS = [
    ({"kind": "direct", "rule": {"room_name": ""}}, "rule.dispatch_rule_direct.room_name", "required"),
    ({"kind": "direct", "rule": {"room_name": "r", "pin": "12a4"}}, "rule.dispatch_rule_direct.pin", "digits"),
    ({"kind": "raw", "rule": {"dispatchRuleDirect": {"roomName": "r"}, "dispatchRuleCallee": {}}}, "rule",
     "only one of"),
    ({"kind": "raw", "rule": {}}, "rule", "must set one rule kind"),
    ({"kind": "raw", "rule": {"dispatchRuleDirekt": {"roomName": "r"}}}, "rule.dispatchRuleDirekt", "unknown field"),
    ({"kind": "individual", "rule": {}, "attributes": {"team": 7}}, "attributes.team", "expected a string"),
    ({"kind": "individual", "rule": {}, "room_config_raw": {"agentz": []}}, "room_config.agentz", "unknown field"),
    ({"kind": "individual", "rule": {}, "trunk_ids": "ST_one"}, "trunk_ids", "expected a list"),
    ({"kind": "individual", "rule": {}, "hide_phone_number": "yes"}, "hide_phone_number", "true or false"),
    ({"kind": "individual", "rule": {}, "media_encryption": "AES"}, "media_encryption", "SIP_MEDIA_ENCRYPT_ALLOW"),
    ({"kind": "individual", "rule": {}, "room_config_raw": {"max_participants": -1}}, "room_config.max_participants",
     "negative"),
]


# ---- figures for README "Reliability" ------------------------------------------------------------

FIGURES = "reliability figures"


@pytest.fixture
def figures(request) -> Iterator[collections.Counter]:
    """What one test counted for README "Reliability" (faults survived, duplicates found, ...).

    Kept on the test's report, so `pytest_terminal_summary` sums them over every worker of an xdist run."""
    counts: collections.Counter = collections.Counter()
    yield counts
    request.node.user_properties.append((FIGURES, dict(counts)))


# The differential run's counts (tests/differential.py): steps per kind and operation, requests per update,
# disagreements.
DIFFERENTIAL = "differential"


def pytest_terminal_summary(terminalreporter) -> None:
    """The figures of every test that counted some, and the differential run's counts, each summed over the
    tests that have them, as one line at the end of the run."""
    for summary in (FIGURES, DIFFERENTIAL):
        total: collections.Counter = collections.Counter()
        for reports in terminalreporter.stats.values():
            # Every phase's report carries the test's properties: the teardown's has them all, once.
            for report in (r for r in reports if getattr(r, "when", None) == "teardown"):
                for name, counts in getattr(report, "user_properties", ()):
                    if name == summary:
                        total.update(counts)
        if total:
            terminalreporter.write_line(f"{summary}: {json.dumps(dict(sorted(total.items())))}")


# ---- a LiveKit project made by hand, for `livekit-adopt` ----------------------------------------

ADOPT = VENV / "bin" / "livekit-adopt"

# The secrets of the project below: no output of `livekit-adopt` shows them unless asked to.
MAIN_PASSWORD = "Main-Pa55word-4410"
SECOND_PASSWORD = "Second-Pa55word-8261"
CARRIER_PASSWORD = "Carrier-Pa55word-1937"
SUPPORT_PIN = "804170093321"
VIP_PIN = "551230087764"
LOBBY_PIN = "902100056613"
ADOPTED_SECRETS = (MAIN_PASSWORD, SECOND_PASSWORD, CARRIER_PASSWORD, SUPPORT_PIN, VIP_PIN, LOBBY_PIN)


def create_inbound(oracle, **fields):
    return oracle.call("create_inbound_trunk", lkapi.CreateSIPInboundTrunkRequest(trunk=lkapi.SIPInboundTrunkInfo(**fields)))


def create_outbound(oracle, **fields):
    return oracle.call("create_outbound_trunk",
                       lkapi.CreateSIPOutboundTrunkRequest(trunk=lkapi.SIPOutboundTrunkInfo(**fields)))


def create_rule(oracle, kind: str, body: dict, **fields):
    kinds = {"individual": lkapi.SIPDispatchRuleIndividual, "direct": lkapi.SIPDispatchRuleDirect,
             "callee": lkapi.SIPDispatchRuleCallee}
    info = lkapi.SIPDispatchRuleInfo(rule=lkapi.SIPDispatchRule(**{f"dispatch_rule_{kind}": kinds[kind](**body)}),
                                     **fields)
    return oracle.call("create_dispatch_rule", lkapi.CreateSIPDispatchRuleRequest(dispatch_rule=info))


def make_project_to_adopt(oracle) -> dict:
    """Objects of every kind, the way a dashboard user leaves them: duplicate names, an unnamed
    trunk and rule, PINs, passwords, agents, attributes, metadata, number filters, a rule naming a
    trunk that does not exist, trunk-scoped and wildcard rules."""
    main = create_inbound(oracle, name="Main line", numbers=["+15550100"], allowed_addresses=["203.0.113.0/24"],
                   auth_username="main-pbx", auth_password=MAIN_PASSWORD, metadata='{"region": "eu"}',
                   headers_to_attributes={"X-Account": "account.id"}, krisp_enabled=True)
    support = create_inbound(oracle, name="Support line", numbers=["+15550101"],
                      allowed_numbers=["+15557770001", "+15557770002"],
                      include_headers=lkapi.SIPHeaderOptions.SIP_ALL_HEADERS,
                      ringing_timeout=Duration(seconds=30), max_call_duration=Duration(seconds=3600))
    sales = create_inbound(oracle, name="Sales line", numbers=["+15550102", "+15550103"], headers={"X-Org": "acme"},
                    attributes_to_headers={"sales.team": "X-Team"},
                    media_encryption=lkapi.SIPMediaEncryption.SIP_MEDIA_ENCRYPT_ALLOW)
    second = create_inbound(oracle, name="Main line", numbers=["+15550104"], auth_username="second-pbx",
                     auth_password=SECOND_PASSWORD)
    unnamed = create_inbound(oracle, numbers=["+15550105"], allowed_addresses=["198.51.100.7"])
    zurich = create_inbound(oracle, name="Zürich Büro", numbers=["+41445550100"])
    trunks_out = [
        create_outbound(oracle, name="Carrier A", address="sip.carrier-a.example.com:5061", numbers=["+15550200"],
                 transport=lkapi.SIPTransport.SIP_TRANSPORT_TLS, auth_username="carrier-a",
                 auth_password=CARRIER_PASSWORD, destination_country="US", from_host="pbx.example.com",
                 headers={"X-Org": "acme"}),
        create_outbound(oracle, name="Carrier B", address="sip.carrier-b.example.com", numbers=["+15550201", "+15550202"]),
        create_outbound(oracle, name="carrier-b", address="10.0.0.9", numbers=["+15550203"], metadata="fallback",
                 include_headers=lkapi.SIPHeaderOptions.SIP_X_HEADERS,
                 media_encryption=lkapi.SIPMediaEncryption.SIP_MEDIA_ENCRYPT_REQUIRE),
        create_outbound(oracle, name="Backup route", address="backup.example.com", numbers=["+15550204"],
                 headers_to_attributes={"X-Call": "call.ref"}, attributes_to_headers={"call.owner": "X-Owner"}),
        create_outbound(oracle, name="Carrier C", address="sip.carrier-c.example.com", numbers=["+15550205"]),
    ]
    agent = lkapi.RoomAgentDispatch(agent_name="inbound-agent", metadata='{"greeting": "hello"}',
                                    attributes={"tier": "gold"})
    rules = [
        create_rule(oracle, "individual", {"room_prefix": "call-"}, name="Main inbound", trunk_ids=[main.sip_trunk_id],
             attributes={"source": "main", "cost-centre": "42"}, metadata='{"owner": "ops"}',
             room_config=lkapi.RoomConfiguration(agents=[agent])),
        create_rule(oracle, "direct", {"room_name": "support", "pin": SUPPORT_PIN}, name="Support PIN",
             trunk_ids=[support.sip_trunk_id], hide_phone_number=True),
        create_rule(oracle, "callee", {"room_prefix": "sales-", "randomize": True}, name="Sales callee",
             trunk_ids=[sales.sip_trunk_id], inbound_numbers=["+15557770003"], numbers=["+15550102"]),
        create_rule(oracle, "individual", {"room_prefix": "any-", "no_randomness": True}, name="Wildcard",
             krisp_enabled=True, room_config=lkapi.RoomConfiguration(
                 empty_timeout=300, max_participants=4,
                 agents=[lkapi.RoomAgentDispatch(agent_name="triage"), lkapi.RoomAgentDispatch(agent_name="notes")])),
        create_rule(oracle, "direct", {"room_name": "vip", "pin": VIP_PIN}, name="Wildcard PIN"),
        create_rule(oracle, "individual", {"room_prefix": "multi-"}, name="Two trunks",
             trunk_ids=[second.sip_trunk_id, unnamed.sip_trunk_id],
             media_encryption=lkapi.SIPMediaEncryption.SIP_MEDIA_ENCRYPT_ALLOW),
        create_rule(oracle, "individual", {"room_prefix": "legacy-"}, name="Legacy", trunk_ids=["ST_removedLongAgo"]),
        create_rule(oracle, "individual", {"room_prefix": "zh-"}, name="Zürich", trunk_ids=[zurich.sip_trunk_id],
             room_preset="zurich-preset"),
        create_rule(oracle, "direct", {"room_name": "lobby", "pin": LOBBY_PIN}, trunk_ids=[main.sip_trunk_id]),
        create_rule(oracle, "callee", {"room_prefix": "support-"}, name="Main inbound", trunk_ids=[support.sip_trunk_id]),
    ]
    return {"inbound": [main, support, sales, second, unnamed, zurich], "outbound": trunks_out, "rules": rules}


def adopt(*args: str, env: dict) -> subprocess.CompletedProcess:
    # As a user runs it: the console script, the connection from LIVEKIT_* unless flags say otherwise.
    return subprocess.run([str(ADOPT), *args], env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=120)


# ---- TLS: a throwaway certificate authority ------------------------------------------------------


class ThrowawayCA:
    """A certificate authority made for one test session (trustme), its certificate in `cert_file`, for
    SSL_CERT_FILE."""

    def __init__(self, folder: Path) -> None:
        self._authority = trustme.CA()
        self.cert_file = folder / "ca.pem"
        self._authority.cert_pem.write_to_path(str(self.cert_file))

    def serving(self, *hostnames: str) -> ssl.SSLContext:
        """A server's TLS context with a certificate this authority signed for `hostnames`."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._authority.issue_cert(*hostnames).configure_cert(context)
        return context


@dataclass
class TLSEndpoints:
    """TLS endpoints in front of the test server, each a `FaultProxy` at https://localhost:PORT: `trusted`
    serves a certificate for localhost that the CA in `ca_file` signed; `mismatched` one that CA signed for
    another host; `untrusted` one for localhost signed by a CA that `ca_file` does not hold."""

    trusted: FaultProxy
    mismatched: FaultProxy
    untrusted: FaultProxy
    ca_file: Path

    def env(self) -> dict[str, str]:
        """Trust as a user of a private CA sets it: SSL_CERT_FILE names the CA's certificate."""
        return {"SSL_CERT_FILE": str(self.ca_file)}


# ---- the test bed: one livekit-server + Redis per test process -----------------------------------
#
# Isolation: LiveKit refuses two dispatch rules with the same trunk, number and PIN, so every test that
# creates rules starts from an empty SIP store (`livekit` flushes Redis before the test). What a test
# leaves on the server is flushed before the next, so no `pulumi destroy` is run after a test whose
# scenario does not end in one (it would cost an engine run and prove nothing).


def use_test_bed(config: pytest.Config) -> None:
    """Registers the fixtures below once per test process, whichever tier's conftest asks first:
    the server and engine tiers then share one server per worker."""
    if not config.pluginmanager.has_plugin(__name__):
        config.pluginmanager.register(sys.modules[__name__], __name__)


@pytest.fixture(scope="session")
def livekit_server(tmp_path_factory) -> Iterator[LocalLiveKit]:
    with LocalLiveKit(tmp_path_factory.mktemp("livekit")) as server:
        yield server


@pytest.fixture(scope="session")
def distributions(tmp_path_factory) -> dict[str, Path]:
    """The clone's sdist and wheel (`build_distributions`), built once per test session: the workers share one
    folder, and the first to take its lock builds them. A test that installs the package from its wheel (as a
    user installs it from an index) installs this one."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base  # the session's, above each worker's
    folder = shared / "distributions"
    with open(f"{folder}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = folder / "built.json"
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)  # a build that failed part way
            folder.mkdir()
            built = build_distributions(folder)
            done.write_text(json.dumps({kind: str(path) for kind, path in built.items()}))
        return {kind: Path(path) for kind, path in json.loads(done.read_text()).items()}


@pytest.fixture(scope="session")
def other_project_server(tmp_path_factory) -> Iterator[LocalLiveKit]:
    """A second LiveKit project (its own server and Redis), for resources that move between projects."""
    with LocalLiveKit(tmp_path_factory.mktemp("livekit-other")) as server:
        yield server


@pytest.fixture
def other_project(other_project_server: LocalLiveKit) -> LocalLiveKit:
    other_project_server.flush()
    return other_project_server


@pytest.fixture(scope="session")
def twins_server(tmp_path_factory) -> Iterator[LocalLiveKit]:
    """A third LiveKit project, where the differential run makes a create of each declaration it updated to."""
    with LocalLiveKit(tmp_path_factory.mktemp("livekit-twins")) as server:
        yield server


@pytest.fixture
def twins(twins_server: LocalLiveKit) -> LocalLiveKit:
    twins_server.flush()
    return twins_server


@pytest.fixture
def livekit(livekit_server: LocalLiveKit) -> LocalLiveKit:
    """The session's server with an empty SIP store."""
    livekit_server.flush()
    return livekit_server


@pytest.fixture
def oracle(livekit: LocalLiveKit) -> Oracle:
    return Oracle(livekit.credentials)


@pytest.fixture
def routing_oracle(livekit: LocalLiveKit) -> RoutingOracle:
    """Asks the test server how it routes described inbound calls (EvaluateSIPDispatchRules)."""
    return RoutingOracle(f"127.0.0.1:{livekit.redis_port}")


@pytest.fixture
def proxy(livekit: LocalLiveKit) -> Iterator[FaultProxy]:
    """A `FaultProxy` in front of the server: counts requests, injects faults."""
    with FaultProxy(livekit.credentials.url) as fault_proxy:
        yield fault_proxy


@pytest.fixture(scope="session")
def throwaway_ca(tmp_path_factory) -> ThrowawayCA:
    return ThrowawayCA(tmp_path_factory.mktemp("ca"))


@pytest.fixture
def tls_endpoints(livekit: LocalLiveKit, throwaway_ca: ThrowawayCA, tmp_path) -> Iterator[TLSEndpoints]:
    target = livekit.credentials.url
    stranger = ThrowawayCA(tmp_path)  # not in SSL_CERT_FILE
    with FaultProxy(target, tls=throwaway_ca.serving("localhost")) as trusted, \
            FaultProxy(target, tls=throwaway_ca.serving("livekit.example.com")) as mismatched, \
            FaultProxy(target, tls=stranger.serving("localhost")) as untrusted:
        yield TLSEndpoints(trusted, mismatched, untrusted, throwaway_ca.cert_file)


@pytest.fixture
def pulumi_stack(tmp_path, livekit: LocalLiveKit):
    """Factory: a fresh stack of a program directory, configured for the test server.

    The credentials go into stack config (the secret one encrypted) in the same single
    `pulumi config set-all` as whatever config the test sets before its first command."""
    made = itertools.count()

    def make(program_dir: Path, stack: str = "test", *, config: bool = True, env=None) -> PulumiStack:
        pulumi = PulumiStack(program_dir, stack, workdir=tmp_path / f"{stack}-{next(made)}", env=env,
                             defer_config=True)
        if config:
            configure_for(pulumi, livekit.credentials)
        return pulumi

    return make
