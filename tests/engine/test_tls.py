"""TLS, as every user's connection to LiveKit Cloud is: the test server behind TLS endpoints with a throwaway
CA (`tls_endpoints` in tests/support.py), through the real `pulumi`, on both entrances. `wss://` and `https://`
URLs reach the server when SSL_CERT_FILE names the CA; a certificate for another host, or one no trusted CA
signed, fails the operation at once: one line naming the URL and what is wrong, one connection, no retry."""

from __future__ import annotations

import json
import time

from support import PROGRAMS, TLSEndpoints, yaml_program

# A refused certificate is refused again on every repeat: the operation ends after one attempt, in what one
# engine run costs (a repeat would add the client's backoff, seconds, and a connection per attempt).
AT_ONCE = 1


def wss(url: str) -> str:
    return url.replace("https://", "wss://", 1)


def rule(prefix: str, number: str) -> dict:
    return {"rule": {"dispatchRuleCallee": {"roomPrefix": prefix}}, "numbers": [number]}


def assert_refused_at_once(result, endpoint, what: str) -> None:
    """The operation failed on the endpoint's certificate: one error line naming its URL and `what`, after a
    single connection to it."""
    assert result.returncode != 0, result.output
    refusals = [line for line in result.output.splitlines() if "presented a TLS certificate" in line]
    assert refusals and all(endpoint.url in line and what in line for line in refusals), result.output
    assert (endpoint.tls_connections, endpoint.tls_refused) == (AT_ONCE, AT_ONCE), result.output


def test_a_python_program_reaches_livekit_over_wss_and_https_and_a_refused_certificate_fails_at_once(
        pulumi_stack, livekit, oracle, tls_endpoints: TLSEndpoints):
    creds = livekit.credentials
    trusted = tls_endpoints.trusted
    stack = pulumi_stack(PROGRAMS / "declared", config=False, env={
        **creds.env(), "LIVEKIT_URL": wss(trusted.url), **tls_endpoints.env()})
    over_https = {"url": trusted.url, "api_key": creds.api_key, "api_secret": creds.api_secret}
    resources = [{"type": "DispatchRule", "name": "over-wss", "args": rule("wss-", "+15550100")},
                 {"type": "DispatchRule", "name": "over-https", "args": rule("https-", "+15550101"), "connection": over_https}]
    stack.set_config("resources", json.dumps(resources), secret=True)
    ids = stack.up().outputs["ids"]
    assert sorted(r.sip_dispatch_rule_id for r in oracle.rules()) == sorted(ids.values())
    assert trusted.count("CreateSIPDispatchRule") == 2 and trusted.tls_refused == 0

    for endpoint, what in ((tls_endpoints.untrusted, "unable to get local issuer certificate"),
                           (tls_endpoints.mismatched, "certificate is not valid for 'localhost'")):
        refused = {**over_https, "url": endpoint.url}
        stack.set_config("resources", json.dumps(
            resources + [{"type": "DispatchRule", "name": "refused", "args": rule("refused-", "+15550102"), "connection": refused}]),
            secret=True)
        started = time.monotonic()
        failed = stack.up(check=False)
        print(f"refused certificate ({what}): the up failed after {time.monotonic() - started:.1f} s")
        assert_refused_at_once(failed, endpoint, what)
    assert sorted(r.sip_dispatch_rule_id for r in oracle.rules()) == sorted(ids.values())


def test_a_yaml_program_on_the_plugin_reaches_livekit_over_wss_and_https_and_a_refused_certificate_fails_at_once(
        pulumi_stack, livekit, oracle, tls_endpoints: TLSEndpoints, tmp_path):
    creds = livekit.credentials
    trusted = tls_endpoints.trusted

    def provider(url_key: str) -> dict:
        return {"type": "pulumi:providers:livekit",
                "properties": {"url": f"${{{url_key}}}", "apiKey": creds.api_key, "apiSecret": "${apiSecret}"}}

    def callee_rule(prefix: str, number: str, provider_name: str = "") -> dict:
        declared = {"type": "livekit:index:DispatchRule", "properties": rule(prefix, number)}
        return {**declared, "options": {"provider": f"${{{provider_name}}}"}} if provider_name else declared

    resources = {"overWss": callee_rule("wss-", "+15550100"), "https": provider("httpsUrl"),
                 "overHttps": callee_rule("https-", "+15550101", "https")}
    config = {"httpsUrl": {"type": "string"}, "apiSecret": {"type": "string", "secret": True}}
    stack = pulumi_stack(yaml_program(tmp_path / "tls", resources, config=config), config=False, env={**creds.env(), "LIVEKIT_URL": wss(trusted.url),
                                                     **tls_endpoints.env()})
    stack.set_config("httpsUrl", trusted.url)
    stack.set_config("apiSecret", creds.api_secret, secret=True)
    up = stack.up()
    assert up.changes == {"create": 4}, up.summary  # the stack, the explicit provider, two rules
    assert len(oracle.rules()) == 2 and trusted.count("CreateSIPDispatchRule") == 2 and trusted.tls_refused == 0

    yaml_program(stack.program_dir, {**resources, "refused": provider("refusedUrl"),
                           "refusedRule": callee_rule("refused-", "+15550102", "refused")},
                 config={**config, "refusedUrl": {"type": "string"}})
    for endpoint, what in ((tls_endpoints.mismatched, "certificate is not valid for 'localhost'"),
                           (tls_endpoints.untrusted, "unable to get local issuer certificate")):
        stack.set_config("refusedUrl", endpoint.url)
        assert_refused_at_once(stack.up(check=False), endpoint, what)
    assert len(oracle.rules()) == 2
