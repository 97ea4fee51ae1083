"""The authorization app against the real local sandbox, both served by uvicorn over loopback.

An httpx client plays the browser (cookies, redirects followed by hand, the consent form posted as
the "Autoriser" button does). The browser test (test_authorize_browser.py) repeats the happy path
in headless Chromium; this module covers the negative paths and the log audit quickly.
"""

from __future__ import annotations

import html
import json
import logging
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest

from tests.sandbox_fixtures import FAST
from transpiler.authorize.server import RunningApp, bind, start_app
from transpiler.authorize.store import TokenStore, partner_settings
from transpiler.config import Secret, Settings
from transpiler.errors import AmazonError
from transpiler.sandbox.registration import CLIENT_SECRET, SELLING_PARTNER_ID, VENDOR_CODE
from transpiler.sandbox.runner import SandboxHandle, start_sandbox
from transpiler.spapi import LwaError, client_from_settings

pytestmark = pytest.mark.socket

PAYLOADS = Path(__file__).parent / "data" / "payloads"
T = TypeVar("T")
LOGGERS = ("", "uvicorn", "uvicorn.error", "uvicorn.access", "httpx", "httpcore")


@dataclass
class Flow:
    """A running sandbox + authorization app pair and the settings the app runs with."""

    sandbox: SandboxHandle
    app: RunningApp
    settings: Settings
    codes: list[str] = field(default_factory=list)  # every spapi_oauth_code seen, for the log audit

    @property
    def store(self) -> TokenStore:
        return self.app.store


def launch(tmp_path: Path, app_overrides: dict[str, object] | None = None, **sandbox_overrides: object) -> Flow:
    """Sandbox registered with the app's callback on a free port, then the app on that port."""
    sock = bind()
    port = sock.getsockname()[1]
    callback = f"http://127.0.0.1:{port}/amazon/callback"
    registration = {"redirect_uri": callback, **sandbox_overrides}
    registration = {k: v.format(port=port) if isinstance(v, str) else v for k, v in registration.items()}
    app_values = {k: v.format(port=port) if isinstance(v, str) else v for k, v in (app_overrides or {}).items()}
    sandbox = start_sandbox(data=tmp_path / "sandbox", **FAST, **registration)
    settings = Settings().with_overrides(
        consent_url=sandbox.consent_url,
        lwa_url=sandbox.lwa_url,
        spapi_url=sandbox.url,
        application_id=sandbox.registration.application_id,
        client_id=sandbox.registration.client_id,
        client_secret=CLIENT_SECRET,
        token_store=str(tmp_path / "store" / "tokens.json"),
        **app_values,
    )
    try:
        app = start_app(settings, sock)
    except BaseException:
        sandbox.stop()
        raise
    return Flow(sandbox, app, settings)


@pytest.fixture
def flow(tmp_path: Path) -> Iterator[Flow]:
    running = launch(tmp_path)
    yield running
    running.app.stop()
    running.sandbox.stop()


STAND_IN = "browser-stand-in"


def as_browser(function: Callable[..., T], *args: object) -> T:
    """Run the httpx stand-in browser in its own thread.

    A real browser is another process; the stand-in lives in ours, and httpcore's DEBUG trace of its
    responses (the consent redirect's Location, which carries the code) is not the software's log.
    The audit skips exactly that thread and nothing else.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix=STAND_IN) as pool:
        return pool.submit(function, *args).result()


class LogAudit(logging.Handler):
    """Collects every log record (DEBUG and up) of every logger involved, whatever its propagation."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.threadName.startswith(STAND_IN):
            return
        self.lines.append(f"{record.name} {record.levelname} {record.getMessage()}")

    def __enter__(self) -> LogAudit:
        self._levels = {}
        for name in LOGGERS:
            logger = logging.getLogger(name)
            self._levels[name] = logger.level
            logger.setLevel(logging.DEBUG)
            logger.addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        for name in LOGGERS:
            logger = logging.getLogger(name)
            logger.removeHandler(self)
            logger.setLevel(self._levels[name])


def find_secrets(text: str, secrets: list[str]) -> list[str]:
    """Which of `secrets` (or any LWA token or code shape) appear in `text`."""
    found = [s for s in secrets if s and s in text]
    found += re.findall(r"Atz[ar]\|[\w-]{8,}", text)
    found += re.findall(r"spapi_oauth_code=[^&\s\"']+", text)
    return found


def consent(flow: Flow, browser: httpx.Client, decision: str = "allow") -> httpx.Response:
    """Landing → connect → consent page → press a button. Returns Amazon's answer (redirect or page)."""
    landing = browser.get(flow.app.url + "/")
    assert "Connecter votre compte Amazon Vendor Central" in landing.text
    to_amazon = browser.get(flow.app.url + "/amazon/authorize")
    assert to_amazon.status_code == 302
    page = browser.get(to_amazon.headers["location"])
    if page.status_code != 200:
        return page
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
    form = {k: html.unescape(v) for k, v in form.items()}
    action = re.search(r'<form method="post" action="([^"]+)"', page.text).group(1)
    answer = browser.post(urljoin(str(page.url), action), data={**form, "decision": decision})
    if answer.status_code == 302:
        code = parse_qs(urlsplit(answer.headers["location"]).query).get("spapi_oauth_code", [""])[0]
        flow.codes.append(code)
    return answer


def complete(flow: Flow, browser: httpx.Client, vendor_code: str = VENDOR_CODE) -> httpx.Response:
    """Consent, come back to the callback, type the vendor code. Returns the final page."""
    answer = consent(flow, browser)
    assert answer.status_code == 302, answer.text
    page = browser.get(answer.headers["location"])
    assert page.status_code == 200, page.text
    pending = re.search(r'name="pending" value="([^"]+)"', page.text).group(1)
    return browser.post(flow.app.url + "/amazon/partner", data={"pending": pending, "vendor_code": vendor_code})


def problem_key(response: httpx.Response) -> str:
    match = re.search(r'data-problem="([^"]+)"', response.text)
    assert match, response.text
    return match.group(1)


def listings_call(flow: Flow, partner: str = VENDOR_CODE) -> tuple[dict, dict]:
    """PUT then GET a listing on the sandbox with the partner's stored refresh token."""
    settings = partner_settings(flow.settings, partner)
    attributes = json.loads((PAYLOADS / "CELLULAR_PHONE.valid.json").read_text(encoding="utf-8"))
    with client_from_settings(settings) as client:
        put = client.listings.put_listings_item(
            "PL-AUTH-0001", {"productType": "CELLULAR_PHONE", "requirements": "LISTING", "attributes": attributes}
        )
        got = client.listings.get_listings_item("PL-AUTH-0001")
    return put, got


def test_authorized_vendor_token_is_stored_encrypted_and_works(flow: Flow) -> None:
    with LogAudit() as audit, httpx.Client() as browser:
        done = as_browser(complete, flow, browser)
        assert done.status_code == 200
        assert "Compte MODEL connecté" in done.text
        put, got = listings_call(flow)

    assert put["sku"] == "PL-AUTH-0001"
    assert put["status"] in {"ACCEPTED", "INVALID"}
    assert got["sku"] == "PL-AUTH-0001"
    assert [(p.partner, p.selling_partner_id, p.account_type) for p in flow.store.partners()] == [
        ("MODEL", SELLING_PARTNER_ID, "vendor")
    ]
    token = flow.store.refresh_token_for("MODEL").reveal()
    assert token.startswith("Atzr|")
    assert token != flow.sandbox.registration.refresh_token  # a new grant, not the seeded demo token
    raw = flow.store.path.read_text(encoding="utf-8")
    assert token not in raw
    assert token.split("|", 1)[1][:12] not in raw

    log_text = "\n".join(audit.lines)
    assert "refresh token stored for vendor MODEL" in log_text  # the audit really captured the flow
    assert "GET /amazon/callback 200" in log_text
    assert "uvicorn.access" in log_text  # uvicorn's access log ran, with query strings stripped
    assert "POST /auth/o2/token" in log_text
    assert find_secrets(log_text, [CLIENT_SECRET, token, *flow.codes]) == []


def test_replayed_callback_is_refused_and_stores_nothing_new(flow: Flow) -> None:
    with httpx.Client() as browser:
        answer = consent(flow, browser)
        callback = answer.headers["location"]
        first = browser.get(callback)
        assert "code fournisseur" in first.text
        again = browser.get(callback)
    assert again.status_code == 400
    assert problem_key(again) == "state_replayed"
    assert not flow.store.path.exists()  # the first callback is still waiting for its vendor code


def test_reused_code_with_a_fresh_state_is_refused(flow: Flow) -> None:
    with httpx.Client() as browser:
        complete(flow, browser)
        first_code = flow.codes[-1]
        before = flow.store.path.read_bytes()
        answer = consent(flow, browser)
        parts = urlsplit(answer.headers["location"])
        query = parse_qs(parts.query)
        forged = httpx.URL(f"{flow.app.url}/amazon/callback").copy_with(
            params={"state": query["state"][0], "selling_partner_id": SELLING_PARTNER_ID,
                    "spapi_oauth_code": first_code}
        )
        page = browser.get(forged)
    assert page.status_code == 400
    assert problem_key(page) == "invalid_grant"
    assert "5 minutes" in page.text
    assert flow.store.path.read_bytes() == before


def test_expired_code_is_refused(flow: Flow) -> None:
    with httpx.Client() as browser:
        answer = consent(flow, browser)
        flow.sandbox.advance_clock(301)  # Amazon's code lives five minutes
        page = browser.get(answer.headers["location"])
    assert problem_key(page) == "invalid_grant"
    assert not flow.store.path.exists()


def test_forged_state_from_another_browser_is_refused(flow: Flow) -> None:
    with httpx.Client() as victim, httpx.Client() as attacker:
        answer = consent(flow, attacker)
        page = victim.get(answer.headers["location"])  # attacker's callback link opened by the victim
    assert page.status_code == 400
    assert problem_key(page) == "state_forged"
    assert not flow.store.path.exists()


def test_denial_on_the_consent_page_grants_nothing(flow: Flow) -> None:
    with httpx.Client() as browser:
        answer = consent(flow, browser, decision="deny")
    assert answer.status_code == 200
    assert "Aucun accès n'a été accordé" in answer.text
    assert flow.codes == []
    assert not flow.store.path.exists()


def _stop(running: Flow) -> None:
    running.app.stop()
    running.sandbox.stop()


def test_unregistered_redirect_uri_is_md5101_at_amazon(tmp_path: Path) -> None:
    # Registered: http://127.0.0.1:PORT/amazon/callback; configured: the same server named localhost.
    running = launch(tmp_path, {"redirect_uri": "http://localhost:{port}/amazon/callback"})
    try:
        with httpx.Client(follow_redirects=False) as browser:
            to_amazon = browser.get(running.app.url + "/amazon/authorize")
            if "/amazon/authorize" in to_amazon.headers["location"]:  # moved to the canonical host first
                to_amazon = browser.get(to_amazon.headers["location"])
            assert parse_qs(urlsplit(to_amazon.headers["location"]).query)["redirect_uri"] == [
                running.app.options.redirect_uri
            ]
            page = browser.get(to_amazon.headers["location"])
        assert page.status_code == 400
        assert "MD5101" in page.text
        assert not running.store.path.exists()
    finally:
        _stop(running)


def test_redirect_uri_that_differs_from_the_registered_one_fails_the_exchange(tmp_path: Path) -> None:
    # Registered with a trailing slash; the app (redirect URI not configured) exchanges with its own
    # callback URI, which differs: LWA answers invalid_grant, the app says what to check.
    running = launch(tmp_path, redirect_uri="http://127.0.0.1:{port}/amazon/callback/")
    try:
        with httpx.Client(follow_redirects=False) as browser:
            answer = consent(running, browser)
            assert urlsplit(answer.headers["location"]).path == "/amazon/callback/"
            page = browser.get(answer.headers["location"], follow_redirects=True)
        assert problem_key(page) == "invalid_grant"
        assert "PL_AMAZON_REDIRECT_URI" in page.text
        assert not running.store.path.exists()
    finally:
        _stop(running)


@pytest.mark.parametrize("draft_app", [False, True])
def test_draft_apps_need_version_beta(tmp_path: Path, draft_app: bool) -> None:
    running = launch(tmp_path, {"draft_app": draft_app}, draft=True)
    try:
        with httpx.Client() as browser:
            if draft_app:
                assert "Compte MODEL connecté" in complete(running, browser).text
                assert [p.partner for p in running.store.partners()] == ["MODEL"]
            else:
                page = consent(running, browser)
                assert page.status_code == 400
                assert "MD1000" in page.text
                assert not running.store.path.exists()
    finally:
        _stop(running)


def test_a_token_nobody_granted_does_not_work(flow: Flow) -> None:
    """The Listings check above can fail: a bogus refresh token is refused by the sandbox."""
    flow.store.save("MODEL", SELLING_PARTNER_ID, "vendor", Secret("Atzr|never-issued-by-amazon"))
    with pytest.raises((LwaError, AmazonError)):
        listings_call(flow)
