"""Tests against a real livekit-server with Redis (one per test process), without the Pulumi engine:
see tests/support.py."""

import support


def pytest_configure(config):
    support.use_test_bed(config)
