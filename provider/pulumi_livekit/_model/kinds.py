"""The resource kinds, one table each: every entrance, the command line, code generation and the hosts read them here.

A kind is a LiveKit object this package manages: its protobuf message, the field that holds the ID the server assigns,
the names the engine knows it by (a Python program's dynamic resource, the provider plugin's resource), the SIP
service's methods that make, change, list and remove it, and which of its fields are secrets kept apart in state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from google.protobuf.message import Message
from livekit.protocol import sip as sip_pb

# The provider plugin's package: `livekit:index:<Kind>` in every Pulumi language.
PLUGIN_PACKAGE = "livekit"
# Pulumi's dynamic Resource names a class `pulumi-python:dynamic/<module>:<name>`; stack state and previews carry it.
_DYNAMIC_MODULE = "livekit"
# Every dynamic resource of this package, as `pulumi ... --target` takes a glob of URNs.
DYNAMIC_TARGETS = f"**pulumi-python:dynamic/{_DYNAMIC_MODULE}:**"

# A rule's PIN lives in the rule kind's body on the server, and in a secret state key of this name.
PIN = "pin"
# A trunk's digest password: a secret in state.
AUTH_PASSWORD = "auth_password"

# The kinds a dispatch rule can be: the `rule` oneof of `livekit.SIPDispatchRule`, in the order messages name them.
RULE_KINDS: tuple[str, ...] = tuple(field.name for field in sip_pb.SIPDispatchRule.DESCRIPTOR.oneofs_by_name["rule"].fields)
DIRECT, INDIVIDUAL, CALLEE = "dispatch_rule_direct", "dispatch_rule_individual", "dispatch_rule_callee"


@dataclass(frozen=True)
class Methods:
    """The SIP service's methods for a kind, and how their requests carry an object and its ID."""

    create: str
    create_request: type[Message]
    create_field: str  # the field of the create request that holds the object
    update: str
    update_request: type[Message]  # `<id field>`, and `replace` (a whole object) or `update` (a `fieldwise` one)
    fieldwise: type[Message]  # the update LiveKit applies field by field to what it holds (`field_update`)
    list: str
    list_request: type[Message]
    list_response: type[Message]
    list_ids: str  # the list request's filter by ID
    # The list filter a create finds what it may have stored by, after a lost answer (see `_api.adoption`).
    created_by: str
    delete: str
    delete_request: type[Message]  # `<id field>`
    delete_response: type[Message]
    # The list request's filter by a number the object serves; None where the request has none (a lookup by
    # number then lists every object, see `_core.lookups`).
    list_numbers: Optional[str] = None


@dataclass(frozen=True)
class Kind:
    name: str  # the resource class, in every language
    noun: str  # in messages: "dispatch rule"
    message: type[Message]
    id_field: str
    envelope: str  # the key `lk sip ... create` files and the dashboard's JSON wrap the object in
    methods: Methods
    # Top-level state keys holding a secret; the resource marks them secret outputs.
    secret_keys: tuple[str, ...] = ()
    # Secrets moved out of a field into a state key of their own (a rule's PIN, out of `rule`).
    split_keys: tuple[str, ...] = ()
    # The lists of phone numbers (or SIP user names), compared as LiveKit compares them (`numbers.same_number`).
    number_fields: tuple[str, ...] = ()
    # The numbers the object serves (the number a call is made to): what a lookup by number matches.
    served_numbers: str = "numbers"

    @property
    def option(self) -> str:
        """The kind on a command line: `dispatch-rule`."""
        return self.noun.replace(" ", "-")

    @property
    def dynamic_token(self) -> str:
        return f"pulumi-python:dynamic/{_DYNAMIC_MODULE}:{self.name}"

    @property
    def plugin_token(self) -> str:
        return f"{PLUGIN_PACKAGE}:index:{self.name}"

    def __repr__(self) -> str:
        return f"Kind({self.name})"


INBOUND_TRUNK = Kind(
    name="InboundTrunk", noun="inbound trunk", message=sip_pb.SIPInboundTrunkInfo, id_field="sip_trunk_id",
    envelope="trunk", secret_keys=(AUTH_PASSWORD,), number_fields=("numbers", "allowed_numbers"),
    methods=Methods(
        create="CreateSIPInboundTrunk", create_request=sip_pb.CreateSIPInboundTrunkRequest, create_field="trunk",
        update="UpdateSIPInboundTrunk", update_request=sip_pb.UpdateSIPInboundTrunkRequest,
        fieldwise=sip_pb.SIPInboundTrunkUpdate,
        list="ListSIPInboundTrunk", list_request=sip_pb.ListSIPInboundTrunkRequest,
        list_response=sip_pb.ListSIPInboundTrunkResponse, list_ids="trunk_ids", created_by="numbers",
        delete="DeleteSIPTrunk", delete_request=sip_pb.DeleteSIPTrunkRequest, delete_response=sip_pb.SIPTrunkInfo,
        list_numbers="numbers"),
)
OUTBOUND_TRUNK = Kind(
    name="OutboundTrunk", noun="outbound trunk", message=sip_pb.SIPOutboundTrunkInfo, id_field="sip_trunk_id",
    envelope="trunk", secret_keys=(AUTH_PASSWORD,), number_fields=("numbers",),
    methods=Methods(
        create="CreateSIPOutboundTrunk", create_request=sip_pb.CreateSIPOutboundTrunkRequest, create_field="trunk",
        update="UpdateSIPOutboundTrunk", update_request=sip_pb.UpdateSIPOutboundTrunkRequest,
        fieldwise=sip_pb.SIPOutboundTrunkUpdate,
        list="ListSIPOutboundTrunk", list_request=sip_pb.ListSIPOutboundTrunkRequest,
        list_response=sip_pb.ListSIPOutboundTrunkResponse, list_ids="trunk_ids", created_by="numbers",
        delete="DeleteSIPTrunk", delete_request=sip_pb.DeleteSIPTrunkRequest, delete_response=sip_pb.SIPTrunkInfo,
        list_numbers="numbers"),
)
DISPATCH_RULE = Kind(
    name="DispatchRule", noun="dispatch rule", message=sip_pb.SIPDispatchRuleInfo, id_field="sip_dispatch_rule_id",
    envelope="dispatch_rule", secret_keys=(PIN,), split_keys=(PIN,),
    number_fields=("numbers", "inbound_numbers"),
    methods=Methods(
        create="CreateSIPDispatchRule", create_request=sip_pb.CreateSIPDispatchRuleRequest,
        create_field="dispatch_rule",
        update="UpdateSIPDispatchRule", update_request=sip_pb.UpdateSIPDispatchRuleRequest,
        fieldwise=sip_pb.SIPDispatchRuleUpdate,
        list="ListSIPDispatchRule", list_request=sip_pb.ListSIPDispatchRuleRequest,
        list_response=sip_pb.ListSIPDispatchRuleResponse, list_ids="dispatch_rule_ids", created_by="trunk_ids",
        delete="DeleteSIPDispatchRule", delete_request=sip_pb.DeleteSIPDispatchRuleRequest,
        delete_response=sip_pb.SIPDispatchRuleInfo),
)

# Also the order of resources in a generated program: the rules refer to the trunks.
KINDS: tuple[Kind, ...] = (INBOUND_TRUNK, OUTBOUND_TRUNK, DISPATCH_RULE)

_BY_TOKEN = {token: kind for kind in KINDS for token in (kind.dynamic_token, kind.plugin_token)}
_BY_MESSAGE = {kind.message: kind for kind in KINDS}
_BY_NAME = {kind.name: kind for kind in KINDS}


def kind_of_token(token: str) -> Optional[Kind]:
    """The kind a resource type token names, on either entrance; None for any other resource type."""
    return _BY_TOKEN.get(token)


def kind_of_message(message_type: type[Message]) -> Kind:
    return _BY_MESSAGE[message_type]


def kind_named(name: str) -> Kind:
    return _BY_NAME[name]
