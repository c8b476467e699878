"""The policy pack's process: what the launcher written by `livekit-policy path` starts."""

from . import serve

if __name__ == "__main__":
    serve()
