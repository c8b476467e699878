"""Command-line tools of pulumi_livekit."""
