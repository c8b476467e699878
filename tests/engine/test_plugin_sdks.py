"""The plugin's TypeScript and Go SDKs, generated from its schema by `make sdks` (scripts/gen-sdks): the
TypeScript SDK and examples/typescript type-check with tsc against @pulumi/pulumi from npm, the Go SDK builds; both
carry the schema's descriptions as their doc comments; in both, a program using the lookups and a resource's `get`
compiles."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from support import EXAMPLES, REPO

NODE_MODULES = REPO / ".tools" / "node_modules"  # scripts/bootstrap installs them from npm


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=900,
                          env={**os.environ, "GOFLAGS": "-mod=mod"})


@pytest.fixture(scope="module")
def sdks(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sdk")
    done = run(REPO / "scripts" / "gen-sdks", out, cwd=REPO)
    assert done.returncode == 0, done.stderr
    (out / "node_modules").symlink_to(NODE_MODULES, target_is_directory=True)  # what the SDK imports
    return out


def description(sdks: Path, resource: str, name: str) -> str:
    """A resource property's description in the schema the SDKs were generated from."""
    schema = json.loads((sdks / "schema.json").read_text())
    return schema["resources"][f"livekit:index:{resource}"]["inputProperties"][name]["description"]


# The lookups and a read-only reference, in each language; `numbr` in place of LOOKUP_KEY is refused.
LOOKUP_KEY = "number"
TYPESCRIPT_LOOKUPS = """import * as pulumi from "@pulumi/pulumi";
import * as livekit from "@pulumi-livekit/livekit";

const trunk = livekit.getInboundTrunkOutput({ number: "+15105550100" });
const main = livekit.InboundTrunk.get("main", trunk.sipTrunkId);
const lobby = livekit.getDispatchRulesOutput({ name: "Lobby" });
new livekit.DispatchRule("support", {
    trunkIds: [trunk.sipTrunkId],
    rule: { dispatchRuleIndividual: { roomPrefix: "support-" } },
});
export const lobbyIds: pulumi.Output<string[]> = lobby.items.apply(items => items.map(rule => rule.sipDispatchRuleId));
export const numbers = main.numbers;
export const carrier = livekit.getOutboundTrunk({ name: "Carrier" }).then(found => found.address);
"""
GO_LOOKUPS = """package main

import (
	"github.com/pulumi-livekit/pulumi-livekit/sdk/go/livekit"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		trunk := livekit.LookupInboundTrunkOutput(ctx, livekit.LookupInboundTrunkOutputArgs{
			Number: pulumi.String("+15105550100")})
		if _, err := livekit.NewDispatchRule(ctx, "support", &livekit.DispatchRuleArgs{
			TrunkIds: pulumi.StringArray{trunk.SipTrunkId()},
			Rule: &livekit.SIPDispatchRuleArgs{DispatchRuleIndividual: &livekit.SIPDispatchRuleIndividualArgs{
				RoomPrefix: pulumi.String("support-")}},
		}); err != nil {
			return err
		}
		main, err := livekit.GetInboundTrunk(ctx, "main", pulumi.ID("ST_main"), nil)
		if err != nil {
			return err
		}
		lobby, err := livekit.GetDispatchRules(ctx, &livekit.GetDispatchRulesArgs{Name: pulumi.StringRef("Lobby")})
		if err != nil {
			return err
		}
		ctx.Export("numbers", main.Numbers)
		ctx.Export("lobbyRules", pulumi.Int(len(lobby.Items)))
		return nil
	})
}
"""


# The TypeScript programs the tests below check, each in a folder of its own: one tsc run checks them all (a run
# costs seconds of CPU), and each test reads the errors of its own folders.
TYPESCRIPT_EXAMPLE = (EXAMPLES / "typescript" / "index.ts").read_text()


def typescript_programs() -> dict[str, str]:
    return {
        "example": TYPESCRIPT_EXAMPLE,
        "example-misspelt": TYPESCRIPT_EXAMPLE.replace('roomPrefix: "call-"', 'roomPrefx: "call-"'),
        "lookups": TYPESCRIPT_LOOKUPS,
        "lookups-misspelt": TYPESCRIPT_LOOKUPS.replace(f"{LOOKUP_KEY}:", "numbr:"),
    }


@pytest.fixture(scope="module")
def type_errors(sdks, tmp_path_factory) -> dict[str, list[str]]:
    """tsc's errors by program folder, from one strict check of the SDK with every program of `typescript_programs`."""
    folder = tmp_path_factory.mktemp("typescript")
    (folder / "node_modules").symlink_to(NODE_MODULES, target_is_directory=True)
    programs = typescript_programs()
    for name, text in programs.items():
        (folder / name).mkdir()
        (folder / name / "index.ts").write_text(text)
    (folder / "tsconfig.json").write_text(json.dumps({
        "compilerOptions": {"strict": True, "target": "es2020", "module": "commonjs", "moduleResolution": "node",
                            "noEmit": True, "baseUrl": ".", "types": ["node"],
                            "paths": {"@pulumi-livekit/livekit": [str(sdks / "nodejs")]}},
        "include": [str(sdks / "nodejs" / "**" / "*.ts"), *(f"{name}/index.ts" for name in programs)],
    }))
    checked = run("node", NODE_MODULES / "typescript" / "bin" / "tsc", "-p", "tsconfig.json", "--pretty", "false",
                  cwd=folder)
    errors: dict[str, list[str]] = {name: [] for name in programs}
    for line in checked.stdout.splitlines():
        if line.startswith(" "):  # the continuation of the error above
            errors[program][-1] += "\n" + line
            continue
        program = line.split("/", 1)[0]
        assert program in errors, f"an error outside the programs: {checked.stdout}"
        errors[program].append(line)
    assert (checked.returncode != 0) == any(errors.values()), checked.stdout + checked.stderr
    return errors


def test_the_typescript_sdk_and_example_type_check(sdks, type_errors):
    assert type_errors["example"] == []
    # What an editor shows on hover: the property's description, as a doc comment.
    assert f"/**\n     * {description(sdks, 'DispatchRule', 'trunkIds')}\n     */\n" in (
        sdks / "nodejs" / "dispatchRule.ts").read_text()
    # The check is the schema's: a misspelt field of a rule kind is refused.
    assert TYPESCRIPT_EXAMPLE.count('roomPrefix: "call-"') == 1
    [refused] = type_errors["example-misspelt"]
    assert "'roomPrefx' does not exist" in refused, refused


def test_the_lookups_and_get_type_check_in_typescript(type_errors):
    assert type_errors["lookups"] == []
    [refused] = type_errors["lookups-misspelt"]
    assert "'numbr' does not exist" in refused, refused


def test_the_go_sdk_builds(sdks):
    # With a program using the lookups and a resource's get, built with it.
    (sdks / "go" / "lookups").mkdir()
    (sdks / "go" / "lookups" / "main.go").write_text(GO_LOOKUPS)
    built = run("go", "build", "-trimpath", "./go/...", cwd=sdks)
    assert built.returncode == 0, built.stderr
    # The schema's secret reaches the SDK: a trunk password is made secret before it is sent.
    trunk = (sdks / "go" / "livekit" / "inboundTrunk.go").read_text()
    assert "args.AuthPassword = pulumi.ToSecret(args.AuthPassword)" in trunk
    assert f"\t// {description(sdks, 'InboundTrunk', 'authPassword')}\n\tAuthPassword " in trunk
