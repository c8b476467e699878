"""What LiveKit stores and how secrets travel (`pulumi_livekit._model.stored`, `secrets`, `kinds`): one test per fact."""

from __future__ import annotations

import pytest
from livekit.protocol import room as room_pb
from livekit.protocol import sip as sip_pb

from pulumi.dynamic import Resource

from pulumi_livekit import DispatchRule, InboundTrunk, OutboundTrunk
from pulumi_livekit._api.redact import REDACTED
from pulumi_livekit._model import kinds, secrets
from pulumi_livekit._model.stored import as_stored, without_media_copy
from pulumi_livekit._model.canonical import canonical_from_message
from pulumi_livekit._model.properties import message_from_state


def test_as_stored_spells_media_encryption_both_ways_drops_the_empty_media_and_server_fields():
    sent = sip_pb.SIPOutboundTrunkInfo(sip_trunk_id="ST_1", name="t", media_encryption=sip_pb.SIP_MEDIA_ENCRYPT_ALLOW)
    stored = sip_pb.SIPOutboundTrunkInfo(name="t", media_encryption=sip_pb.SIP_MEDIA_ENCRYPT_ALLOW,
                                         media=sip_pb.SIPMediaConfig(encryption=sip_pb.SIP_MEDIA_ENCRYPT_ALLOW))
    assert as_stored(sent) == stored == as_stored(stored)
    empty_media = sip_pb.SIPInboundTrunkInfo(name="t")
    empty_media.media.SetInParent()
    assert not as_stored(empty_media).HasField("media")
    assert sent.sip_trunk_id == "ST_1"  # the message given is left as it is


def test_media_encryption_set_both_ways_keeps_its_own_media_encryption():
    both = sip_pb.SIPOutboundTrunkInfo(media_encryption=sip_pb.SIP_MEDIA_ENCRYPT_ALLOW,
                                       media=sip_pb.SIPMediaConfig(encryption=sip_pb.SIP_MEDIA_ENCRYPT_REQUIRE))
    assert as_stored(both).media.encryption == sip_pb.SIP_MEDIA_ENCRYPT_REQUIRE


def test_the_canonical_form_is_the_stored_form():
    sent = sip_pb.SIPOutboundTrunkInfo(name="t", media_encryption=sip_pb.SIP_MEDIA_ENCRYPT_ALLOW)
    assert canonical_from_message(sent) == {"name": "t", "media_encryption": "SIP_MEDIA_ENCRYPT_ALLOW",
                                            "media": {"encryption": "SIP_MEDIA_ENCRYPT_ALLOW"}}


def test_without_media_copy_drops_only_the_servers_copy():
    copied = {"media_encryption": "SIP_MEDIA_ENCRYPT_ALLOW", "media": {"encryption": "SIP_MEDIA_ENCRYPT_ALLOW"}}
    assert without_media_copy(copied) == {"media_encryption": "SIP_MEDIA_ENCRYPT_ALLOW"}
    own = {"media_encryption": "SIP_MEDIA_ENCRYPT_ALLOW",
           "media": {"encryption": "SIP_MEDIA_ENCRYPT_ALLOW", "media_timeout": "5s"}}
    assert without_media_copy(own) == own


@pytest.mark.parametrize("kind", kinds.RULE_KINDS)
def test_the_pin_splits_out_of_each_rule_kind_and_joins_back(kind):
    fields = {"name": "r", "rule": {kind: {"pin": "1234", "room_prefix": "call-"}}}
    state = secrets.split_pin(fields)
    assert state == {"name": "r", "rule": {kind: {"room_prefix": "call-"}}, "pin": "1234"}
    assert secrets.join_pin(state) == fields


def test_the_pin_joins_a_rule_in_either_spelling_and_a_malformed_rule_loses_every_pin():
    assert secrets.join_pin({"rule": {"dispatchRuleDirect": {"roomName": "a"}}, "pin": "9"}) == \
        {"rule": {"dispatchRuleDirect": {"roomName": "a", "pin": "9"}}}
    two_kinds = {"dispatch_rule_direct": {"pin": "1"}, "dispatch_rule_callee": {"pin": "2"}, "pin": "3"}
    assert secrets.without_pin(two_kinds) == {"dispatch_rule_direct": {}, "dispatch_rule_callee": {}}
    assert secrets.pin_of(two_kinds) is None  # no single kind: nothing to split out
    assert secrets.join_pin({"rule": two_kinds}) == {"rule": two_kinds}


def test_without_pin_applies_through_the_given_lift_at_each_level():
    lifted = []

    def lift(value, function):
        lifted.append(value)
        return function(value)

    rule = {"dispatch_rule_direct": {"room_name": "a", "pin": "1"}}
    assert secrets.without_pin(rule, lift) == {"dispatch_rule_direct": {"room_name": "a"}}
    assert lifted == [rule, rule["dispatch_rule_direct"]]


def test_rule_kinds_are_the_oneof_of_the_protocol():
    oneof = sip_pb.SIPDispatchRule.DESCRIPTOR.oneofs_by_name["rule"]
    assert sorted(kinds.RULE_KINDS) == sorted(f.name for f in oneof.fields)


@pytest.mark.parametrize("resource", [DispatchRule, InboundTrunk, OutboundTrunk])
def test_type_tokens_are_the_sdks_names_for_the_resources(resource):
    """The name Pulumi's own dynamic Resource gives a class of module `livekit`: what every stack's state holds."""
    as_the_sdk_names_it = type(resource.__name__, (Resource,), {}, module="livekit", name=resource.__name__)
    assert resource._type_token() == resource._provider.kind.dynamic_token == \
        f"pulumi-python:{as_the_sdk_names_it._resource_type_name}"


def test_the_secret_mark_is_what_redaction_writes_and_what_the_cli_reads_as_hidden():
    assert REDACTED == secrets.SECRET_MARK
    rule = message_from_state(kinds.DISPATCH_RULE.dynamic_token, {
        "rule": {"dispatch_rule_direct": {"room_name": "a"}}, "pin": {"ciphertext": "x"},
        "name": secrets.SECRET_MARK})
    assert rule.rule.dispatch_rule_direct.pin == secrets.SECRET_MARK and rule.name == ""


def _credentials_reachable(descriptor, seen=frozenset()) -> set[str]:
    if descriptor.full_name in seen:
        return set()
    found = set()
    for field in descriptor.fields:
        if secrets.is_credential(field):
            found.add(field.full_name)
        elif field.message_type is not None:
            found |= _credentials_reachable(field.message_type, seen | {descriptor.full_name})
    return found


def test_the_credentials_are_livekits_secret_fields_and_the_stream_and_webhook_keys_it_leaves_unmarked():
    reachable = set().union(*(_credentials_reachable(m.DESCRIPTOR) for m in (
        sip_pb.SIPDispatchRuleInfo, sip_pb.SIPInboundTrunkInfo, sip_pb.SIPOutboundTrunkInfo)))
    assert reachable == {
        "livekit.SIPDispatchRuleDirect.pin", "livekit.SIPDispatchRuleIndividual.pin", "livekit.SIPDispatchRuleCallee.pin",
        "livekit.SIPInboundTrunkInfo.auth_password", "livekit.SIPOutboundTrunkInfo.auth_password",
        "livekit.S3Upload.access_key", "livekit.S3Upload.secret", "livekit.S3Upload.session_token",
        "livekit.S3Upload.assume_role_external_id", "livekit.ProxyConfig.password", "livekit.GCPUpload.credentials",
        "livekit.AzureBlobUpload.account_key", "livekit.AliOSSUpload.access_key", "livekit.AliOSSUpload.secret",
        "livekit.StreamOutput.urls", "livekit.StreamDestination.url", "livekit.WebhookConfig.signing_key",
    }


ROOM_CONFIG = room_pb.RoomConfiguration.DESCRIPTOR


def test_credentials_are_found_and_replaced_at_any_depth_in_either_spelling_each_item_of_a_list_alone():
    room_config = {"agents": [{"agent_name": "a"}], "egress": {"room": {
        "file": {"s3": {"accessKey": "AK", "secret": "SK", "bucket": "b"}},
        "stream_outputs": [{"urls": ["rtmp://x/key1", "rtmp://y/key2"]}], "segments": {"gcp": {"credentials": ""}}}}}
    assert secrets.credentials_in(ROOM_CONFIG, room_config) == {
        "egress.room.file.s3.accessKey": "AK", "egress.room.file.s3.secret": "SK",
        "egress.room.stream_outputs[0].urls[0]": "rtmp://x/key1", "egress.room.stream_outputs[0].urls[1]": "rtmp://y/key2"}
    hidden = secrets.replace_credentials(ROOM_CONFIG, room_config, lambda path, _value: f"<{path}>")
    assert hidden["egress"]["room"]["file"]["s3"] == {"accessKey": "<egress.room.file.s3.accessKey>",
                                                      "secret": "<egress.room.file.s3.secret>", "bucket": "b"}
    assert hidden["egress"]["room"]["stream_outputs"][0]["urls"][1] == "<egress.room.stream_outputs[0].urls[1]>"
    assert hidden["agents"] == room_config["agents"] and room_config["egress"]["room"]["file"]["s3"]["secret"] == "SK"
    unresolved = object()  # an Output where a message belongs: nothing to see inside yet
    assert secrets.credentials_in(ROOM_CONFIG, {"egress": unresolved}) == {}

