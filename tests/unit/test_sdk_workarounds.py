"""The Pulumi SDK internals this package relies on (`pulumi_livekit._core.sdk`), checked against the
installed SDK: a new release that moves one of them fails here first."""

from __future__ import annotations

import base64
import pickle

import dill
import pulumi

from pulumi_livekit._core import dispatch_rule, trunks
from pulumi_livekit._core import sdk as _sdk
from pulumi_livekit._core.sdk import normalize_unknowns
from pulumi_livekit._model.canonical import UNKNOWN


def test_the_stock_host_loads_without_its_main_call_and_with_our_error_decorator():
    def ours(method):
        return method

    host = _sdk.load_stock_host(ours)
    assert callable(host["main"]) and callable(host["DynamicResourceProviderServicer"].Read)
    assert host["_abort_with_traceback"] is ours


def test_providers_pickle_as_their_module_level_name_and_unpickle_as_the_same_object():
    for module, name in ((dispatch_rule, "PROVIDER"), (trunks, "INBOUND_PROVIDER"), (trunks, "OUTBOUND_PROVIDER")):
        provider = getattr(module, name)
        assert _sdk.pickled_by_name(provider) == name
        # As the stock host reads `__provider` back (pulumi.dynamic.__main__.get_provider).
        assert dill.loads(base64.b64decode(_sdk.serialized_provider(provider))) is provider
    assert _sdk.pickled_by_name(object()) is None


def test_the_provider_names_earlier_releases_pickled_still_read_as_the_providers():
    """A global reference as pickle writes one: what `__provider` holds in stacks written before the layers."""
    for old_module, name, provider in (("_dispatch_rule", "PROVIDER", dispatch_rule.PROVIDER),
                                       ("_trunks", "INBOUND_PROVIDER", trunks.INBOUND_PROVIDER),
                                       ("_trunks", "OUTBOUND_PROVIDER", trunks.OUTBOUND_PROVIDER)):
        assert pickle.loads(f"cpulumi_livekit.{old_module}\n{name}\n.".encode()) is provider


def test_unknowns_of_either_form_read_as_the_sentinel():
    unknowns = [pulumi.output.Unknown(), UNKNOWN] if hasattr(pulumi.output, "Unknown") else [UNKNOWN]
    assert normalize_unknowns({"a": unknowns, "b": "known"}) == {"a": [UNKNOWN] * len(unknowns), "b": "known"}
    assert not _sdk.is_unknown(UNKNOWN)
