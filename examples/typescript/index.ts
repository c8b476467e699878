// LiveKit's dispatch-rule examples in TypeScript, on the provider plugin and its generated SDK
// (`make sdks`; docs/plugin.md). The same program as examples/yaml.
import * as livekit from "@pulumi-livekit/livekit";

const inbound = new livekit.InboundTrunk("inbound", {
    name: "Main line",
    numbers: ["+15105550100"],
    krispEnabled: true,
});

// "Caller dispatch rule (individual)" with an agent, for calls through the trunk above.
const toAgent = new livekit.DispatchRule("toAgent", {
    name: "Main line to inbound-agent",
    trunkIds: [inbound.sipTrunkId],
    rule: { dispatchRuleIndividual: { roomPrefix: "call-" } },
    roomConfig: { agents: [{ agentName: "inbound-agent", metadata: JSON.stringify({ line: "main" }) }] },
});

// "Direct dispatch rule" with a PIN (a secret in state).
const openRoom = new livekit.DispatchRule("openRoom", {
    name: "Open room",
    rule: { dispatchRuleDirect: { roomName: "open-room", pin: "12345" } },
});

// "Callee dispatch rule".
const byCallee = new livekit.DispatchRule("byCallee", {
    name: "By callee",
    rule: { dispatchRuleCallee: { roomPrefix: "number-", randomize: false } },
    mediaEncryption: livekit.SIPMediaEncryption.SIP_MEDIA_ENCRYPT_ALLOW,
});

export const trunkId = inbound.sipTrunkId;
export const agentRuleId = toAgent.sipDispatchRuleId;
export const pinRuleId = openRoom.sipDispatchRuleId;
export const calleeRuleId = byCallee.sipDispatchRuleId;
