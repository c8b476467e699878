"""How a check failure reads once the engine prints it: on a property it can show, with the path in the text."""

from __future__ import annotations

import pytest
from livekit.protocol import sip as sip_pb
from pulumi.dynamic import CheckFailure

from pulumi_livekit import ValidationError
from pulumi_livekit._core.provider import shown_failure
from pulumi_livekit._model.validation import validate_message

RULE = sip_pb.SIPDispatchRuleInfo.DESCRIPTOR


def test_a_nested_failure_is_shown_on_its_top_level_property_with_the_path_in_the_reason():
    inputs = {"attributes": {"tier": 5}, "trunk_ids": "ST_1"}
    nested = shown_failure(CheckFailure("attributes.tier", "expected a string, got a number"), inputs, RULE)
    assert (nested.property, nested.reason) == ("attributes", "attributes.tier: expected a string, got a number")
    indexed = shown_failure(CheckFailure("trunk_ids[0]", "must not be empty"), inputs, RULE)
    assert (indexed.property, indexed.reason) == ("trunk_ids", "trunk_ids[0]: must not be empty")
    top = CheckFailure("trunk_ids", "expected a list, got a string")
    assert shown_failure(top, inputs, RULE) is top  # the engine finds it as it is
    # Not among the inputs (the connection from stack config): about the resource, the path in the text.
    elsewhere = shown_failure(CheckFailure("connection.url", "is empty"), inputs, RULE)
    assert (elsewhere.property, elsewhere.reason) == ("", "connection.url: is empty")


def test_a_failure_in_a_property_holding_a_null_is_shown_on_none():
    # The engine would print the list as {[{+15550100} {<nil>}]}.
    failure = shown_failure(CheckFailure("numbers[1]", "expected a string, got null"), {"numbers": ["+15550100", None]},
                            RULE)
    assert (failure.property, failure.reason) == ("", "numbers[1]: expected a string, got null")


def test_a_failure_in_a_property_holding_a_credential_is_shown_on_none():
    # The engine would print room_config whole, the egress's S3 secret with it.
    inputs = {"room_config": {"egress": {"room": {"file": {"s3": {"secret": "s3-plain", "bucket": 5}}}}}}
    failure = shown_failure(CheckFailure("room_config.egress.room.file.s3.bucket", "expected a string"), inputs, RULE)
    assert (failure.property, failure.reason) == ("", "room_config.egress.room.file.s3.bucket: expected a string")


@pytest.mark.parametrize("key,nearest", [("trunkIdz", "trunkIds"), ("room_confg", "room_config"),
                                         ("hidePhoneNumbr", "hidePhoneNumber")])
def test_an_unknown_field_names_the_nearest_known_one_in_the_same_spelling(key, nearest):
    with pytest.raises(ValidationError, match=rf"unknown field; did you mean '{nearest}'\? expected one of: "):
        validate_message(sip_pb.SIPDispatchRuleInfo.DESCRIPTOR, {key: None}, "")


def test_an_unknown_field_like_none_lists_the_fields_alone():
    with pytest.raises(ValidationError, match=r"unknown field; expected one of: attributes, "):
        validate_message(sip_pb.SIPDispatchRuleInfo.DESCRIPTOR, {"zzzzqqq": 1}, "")
