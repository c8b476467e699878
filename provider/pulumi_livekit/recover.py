"""`python -m pulumi_livekit.recover`: see pulumi_livekit.cli.recover."""

from .cli.recover import run

if __name__ == "__main__":
    run()
