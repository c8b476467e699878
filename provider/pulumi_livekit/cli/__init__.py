"""Commands people run: `livekit-routes` (python -m pulumi_livekit.routes) and `livekit-adopt`
(python -m pulumi_livekit.adopt)."""
