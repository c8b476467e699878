"""The client's settings and time limits, without a server: TLS trust, the timeout and deadline read from
the environment, and calls to a socket that accepts connections and never answers."""

from __future__ import annotations

import socket
import ssl
import time

import httpx
import pytest
from livekit.protocol import sip as sip_pb

from pulumi_livekit._api.client import (
    DEADLINE_ENV,
    DEFAULT_DEADLINE,
    DEFAULT_TIMEOUT,
    TIMEOUT_ENV,
    RetryPolicy,
    SIPClient,
)
from pulumi_livekit._api.endpoint import Endpoint
from pulumi_livekit._api.twirp import tls_verification
from pulumi_livekit._exceptions import ConfigurationError, TransportError
from pulumi_livekit._model.kinds import INBOUND_TRUNK, OUTBOUND_TRUNK

from support import IN_PROCESS_MARGIN, failing_call_budget


def test_a_client_that_cannot_open_tls_trusts_no_certificate_and_every_other_verifies(monkeypatch):
    for proxy in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(proxy, raising=False)
    plain = tls_verification("http://127.0.0.1:7880")
    assert isinstance(plain, ssl.SSLContext)
    assert plain.get_ca_certs() == [] and plain.verify_mode == ssl.CERT_REQUIRED and plain.check_hostname
    default = httpx.create_ssl_context()
    verified = tls_verification("https://my-project.livekit.cloud")
    assert verified.cert_store_stats() == default.cert_store_stats() != plain.cert_store_stats()
    assert verified.verify_mode == ssl.CERT_REQUIRED and verified.check_hostname
    assert tls_verification("https://other.example.com") is verified  # the CA bundle is loaded once per process
    monkeypatch.setenv("HTTP_PROXY", "https://proxy.example.com:3128")  # TLS to the proxy: the default trust
    assert tls_verification("http://127.0.0.1:7880") is verified


def test_the_timeout_setting_is_read_from_the_environment(monkeypatch):
    monkeypatch.delenv(TIMEOUT_ENV, raising=False)
    with SIPClient(Endpoint("http://127.0.0.1:1", "k", "s")) as sip:
        assert sip.timeout == DEFAULT_TIMEOUT
    monkeypatch.setenv(TIMEOUT_ENV, "2.5")
    with SIPClient(Endpoint("http://127.0.0.1:1", "k", "s")) as sip:
        assert sip.timeout.read == sip.timeout.connect == 2.5


def test_a_server_that_never_answers_is_a_transport_error_within_the_timeout():
    timeout = httpx.Timeout(0.5)
    retry = RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.01)
    with socket.socket() as silent:  # accepts connections (kernel backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        with SIPClient(Endpoint(url, "key", "secret"), timeout=timeout, retry=retry) as sip:
            start = time.monotonic()
            with pytest.raises(TransportError) as raised:
                sip.get(INBOUND_TRUNK, "ST_any")
            assert time.monotonic() - start < failing_call_budget(timeout, retry)
    error = raised.value
    assert (error.code, error.status, error.rpc) == ("deadline_exceeded", None, "ListSIPInboundTrunk")
    assert "timed out" in str(error) and url in str(error)


def test_an_operation_ends_at_its_deadline_however_many_attempts_remain():
    retry = RetryPolicy(attempts=50, base_delay=0.01, max_delay=0.01)
    with socket.socket() as silent:  # accepts connections (kernel backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        # A timeout far beyond the deadline: only the deadline can end these calls in time.
        with SIPClient(Endpoint(url, "key", "secret"), timeout=httpx.Timeout(30.0), retry=retry, deadline=1.5) as sip:
            for call in (lambda: sip.get(INBOUND_TRUNK, "ST_any"),
                         lambda: sip.create(OUTBOUND_TRUNK, sip_pb.SIPOutboundTrunkInfo(address="sip.example.com",
                                                                            numbers=["+15554000"]))):
                start = time.monotonic()
                with pytest.raises(TransportError) as raised:
                    call()
                assert time.monotonic() - start < sip.deadline + IN_PROCESS_MARGIN
                assert raised.value.code == "deadline_exceeded"


def test_the_deadline_setting_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv(DEADLINE_ENV, "7.5")
    with SIPClient(Endpoint("http://127.0.0.1:1", "key", "secret")) as sip:
        assert sip.deadline == 7.5
    monkeypatch.setenv(DEADLINE_ENV, "-1")
    with pytest.raises(ConfigurationError, match=f"{DEADLINE_ENV} must be a positive number of seconds"):
        SIPClient(Endpoint("http://127.0.0.1:1", "key", "secret"))
    monkeypatch.delenv(DEADLINE_ENV)
    with SIPClient(Endpoint("http://127.0.0.1:1", "key", "secret")) as sip:
        assert sip.deadline == DEFAULT_DEADLINE
