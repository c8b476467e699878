"""The test bed's reading of the engine's events (`pulumi_livekit.testing.Result`), on events made here."""

from pulumi import automation as auto

from pulumi_livekit.testing import Result


def test_a_result_groups_diagnostics_by_resource_and_sums_up_only_what_changed():
    def diagnostic(sequence, urn, severity, message, ephemeral=None):
        return auto.EngineEvent(sequence, 0, diagnostic_event=auto.DiagnosticEvent(
            message, "never", severity, ephemeral=ephemeral, urn=urn))

    rule = "urn:pulumi:test::declared::pulumi-python:dynamic/livekit:DispatchRule::rule-0"
    result = Result(("up",), 255, "", "", events=[
        diagnostic(1, rule, "debug", "registering resource"),
        diagnostic(2, rule, "error", "first problem\n"),
        diagnostic(3, rule, "info", "progress", ephemeral=True),
        diagnostic(4, rule, "error", "second problem"),
        diagnostic(5, None, "error", "update failed"),
        diagnostic(6, rule, "warning", "deprecated"),
    ], summary={"same": 2, "create": 1, "update": 0})
    assert result.messages() == {"rule-0": "first problem\nsecond problem", "": "update failed"}
    assert result.messages("warning") == {"rule-0": "deprecated"}
    assert [d.severity for d in result.diagnostics] == ["error", "error", "error", "warning"]
    assert result.changes == {"create": 1}
