"""Where stacks written by earlier releases find the trunks' providers: their `__provider`, pickled by name, reads
`pulumi_livekit._trunks.INBOUND_PROVIDER` or `OUTBOUND_PROVIDER` (or, from the first releases, an instance of a class
named here)."""

from ._core.trunks import INBOUND_PROVIDER, OUTBOUND_PROVIDER, InboundTrunkProvider, OutboundTrunkProvider

__all__ = ["INBOUND_PROVIDER", "OUTBOUND_PROVIDER", "InboundTrunkProvider", "OutboundTrunkProvider"]
