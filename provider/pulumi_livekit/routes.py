"""`python -m pulumi_livekit.routes`: see pulumi_livekit.cli.routes."""

from .cli.routes import run

if __name__ == "__main__":
    run()
