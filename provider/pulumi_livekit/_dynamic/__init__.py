"""Entrance 1: the Pulumi dynamic resources a Python program declares (`DispatchRule`, `InboundTrunk`,
`OutboundTrunk`), their typed inputs and routing review, and the provider host that serves them."""
