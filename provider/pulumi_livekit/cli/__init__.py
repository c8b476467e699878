"""Commands people run: `livekit-routes` (python -m pulumi_livekit.routes)."""
