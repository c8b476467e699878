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


def type_check(sdks: Path, program: Path) -> subprocess.CompletedProcess:
    folder = program.parent
    (folder / "node_modules").symlink_to(NODE_MODULES, target_is_directory=True)
    (folder / "tsconfig.json").write_text(json.dumps({
        "compilerOptions": {"strict": True, "target": "es2020", "module": "commonjs", "moduleResolution": "node",
                            "noEmit": True, "baseUrl": ".", "types": ["node"],
                            "paths": {"@pulumi-livekit/livekit": [str(sdks / "nodejs")]}},
        "include": [str(sdks / "nodejs" / "**" / "*.ts"), program.name],
    }))
    return run("node", NODE_MODULES / "typescript" / "bin" / "tsc", "-p", "tsconfig.json", cwd=folder)


def test_the_typescript_sdk_and_example_type_check(sdks, tmp_path):
    program = tmp_path / "ok" / "index.ts"
    program.parent.mkdir()
    program.write_text((EXAMPLES / "typescript" / "index.ts").read_text())
    checked = type_check(sdks, program)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # What an editor shows on hover: the property's description, as a doc comment.
    assert f"/**\n     * {description(sdks, 'DispatchRule', 'trunkIds')}\n     */\n" in (
        sdks / "nodejs" / "dispatchRule.ts").read_text()

    # The check is the schema's: a misspelt field of a rule kind is refused.
    misspelt = tmp_path / "misspelt" / "index.ts"
    misspelt.parent.mkdir()
    misspelt.write_text(program.read_text().replace("roomPrefix: \"call-\"", "roomPrefx: \"call-\""))
    refused = type_check(sdks, misspelt)
    assert refused.returncode != 0 and "'roomPrefx' does not exist" in refused.stdout, refused.stdout


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


def test_the_lookups_and_get_type_check_in_typescript(sdks, tmp_path):
    program = tmp_path / "lookups" / "index.ts"
    program.parent.mkdir()
    program.write_text(TYPESCRIPT_LOOKUPS)
    checked = type_check(sdks, program)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    misspelt = tmp_path / "misspelt-lookup" / "index.ts"
    misspelt.parent.mkdir()
    misspelt.write_text(TYPESCRIPT_LOOKUPS.replace(f"{LOOKUP_KEY}:", "numbr:"))
    refused = type_check(sdks, misspelt)
    assert refused.returncode != 0 and "'numbr' does not exist" in refused.stdout, refused.stdout


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
