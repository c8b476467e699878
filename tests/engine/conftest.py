"""Tests through the real `pulumi` CLI and engine, against a real livekit-server with Redis (one per
test process): see tests/support.py."""

import support


def pytest_configure(config):
    support.use_test_bed(config)
