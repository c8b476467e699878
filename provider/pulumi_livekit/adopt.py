"""`python -m pulumi_livekit.adopt`: the `livekit-adopt` command (see `pulumi_livekit.cli.adopt`)."""

import sys

from .cli.adopt import main

if __name__ == "__main__":
    sys.exit(main())
