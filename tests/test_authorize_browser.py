"""End to end in headless Chromium: landing → connect → sandbox consent → authorize → vendor code →
success page → the stored (encrypted) refresh token works for a Listings call on the sandbox.

Playwright drives Debian's `chromium` package (installed by .ci/run; browsers cannot be
downloaded here). Screenshots of every step go to test-artifacts/authorize/ (git-ignored).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.test_authorize_flow import Flow, LogAudit, find_secrets, launch, listings_call
from transpiler.sandbox.registration import CLIENT_SECRET, SELLING_PARTNER_ID

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "authorize"


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (apt-get install chromium; .ci/run does it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def flow(tmp_path: Path) -> Iterator[Flow]:
    running = launch(tmp_path)
    yield running
    running.app.stop()
    running.sandbox.stop()


def shot(page: object, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def test_vendor_authorizes_in_a_real_browser(chromium: object, flow: Flow) -> None:
    context = chromium.new_context(locale="fr-FR")
    page = context.new_page()
    requests: list[tuple[str, dict[str, str]]] = []
    app_responses: list[tuple[str, str | None]] = []
    page.on("request", lambda r: requests.append((r.url, r.headers)))
    page.on(
        "response",
        lambda r: app_responses.append((r.url, r.headers.get("referrer-policy")))
        if r.url.startswith(flow.app.url)
        else None,
    )
    shots = []
    with LogAudit() as audit:
        page.goto(flow.app.url + "/")
        assert page.inner_text("h1") == "Connecter votre compte Amazon Vendor Central"
        shots.append(shot(page, "01-landing"))

        page.click("#connect")
        page.wait_for_url(f"{flow.sandbox.consent_url}/apps/authorize/consent?*")
        assert "Autoriser" in page.inner_text("h1")
        shots.append(shot(page, "02-consent"))

        page.click("button[value=allow]")
        page.wait_for_url(f"{flow.app.url}/amazon/callback?*")
        assert "code fournisseur" in page.inner_text("h1")
        assert SELLING_PARTNER_ID in page.content()
        assert not flow.store.path.exists()  # nothing stored before the vendor code
        shots.append(shot(page, "03-vendor-code"))

        page.fill("#vendor_code", "MO-D")  # letters and digits only (any length)
        page.eval_on_selector("form", "f => f.noValidate = true")  # let the server judge a bad code
        page.click("#save")
        assert "n'est pas un code fournisseur valide" in page.inner_text("#vendor-code-error")
        shots.append(shot(page, "04-vendor-code-invalid"))

        page.fill("#vendor_code", "model")
        page.click("#save")
        page.wait_for_selector("#success")
        assert page.inner_text("#success") == "Compte MODEL connecté"
        assert page.inner_text("#partner") == "MODEL"
        shots.append(shot(page, "05-success"))

        put, got = listings_call(flow)
    context.close()

    assert all(p.stat().st_size > 1000 for p in shots)
    assert got["sku"] == put["sku"] == "PL-AUTH-0001"

    # Referrer-Policy on every app response; the hop to Amazon carried no Referer.
    assert app_responses
    assert {policy for _, policy in app_responses} == {"no-referrer"}
    consent_requests = [h for url, h in requests if "/apps/authorize/consent" in url]
    assert consent_requests
    assert all("referer" not in h for h in consent_requests)

    # The store holds the token only encrypted.
    token = flow.store.refresh_token_for("MODEL").reveal()
    assert token.startswith("Atzr|")
    assert token not in flow.store.path.read_text(encoding="utf-8")

    # Logs of the whole flow (app, sandbox, SP-API client, uvicorn, httpx) hold no secret.
    codes = [
        parse_qs(urlsplit(url).query)["spapi_oauth_code"][0] for url, _ in requests if "spapi_oauth_code=" in url
    ]
    assert len(codes) == 1
    log_text = "\n".join(audit.lines)
    assert "refresh token stored for vendor MODEL" in log_text
    assert find_secrets(log_text, [CLIENT_SECRET, token, *codes]) == []


def test_refused_and_replayed_links_show_french_pages(chromium: object, flow: Flow) -> None:
    context = chromium.new_context(locale="fr-FR")
    page = context.new_page()
    callbacks: list[str] = []
    page.on("request", lambda r: callbacks.append(r.url) if "/amazon/callback" in r.url else None)

    # Denial on the consent page: nothing granted, nothing stored.
    page.goto(flow.app.url + "/")
    page.click("#connect")
    page.wait_for_url(f"{flow.sandbox.consent_url}/apps/authorize/consent?*")
    page.click("button[value=deny]")
    page.wait_for_load_state()
    assert "Aucun accès n'a été accordé" in page.content().replace("&#39;", "'")
    shot(page, "10-denied-at-amazon")

    # Denial reported back to the app (OAuth's error=access_denied).
    page.goto(flow.app.url + "/amazon/callback?error=access_denied")
    assert page.inner_text("#problem") == "Autorisation refusée"
    shot(page, "11-denied")

    # A callback link from nowhere.
    page.goto(flow.app.url + "/amazon/callback?state=forged&spapi_oauth_code=ANforged")
    assert page.inner_text("#problem") == "Lien d'autorisation non reconnu"
    shot(page, "12-forged-state")

    # A complete authorization, then the same callback URL again.
    page.goto(flow.app.url + "/")
    page.click("#connect")
    page.click("button[value=allow]")
    page.wait_for_selector("#vendor_code")
    page.goto(callbacks[-1])
    assert page.inner_text("#problem") == "Lien d'autorisation déjà utilisé"
    assert page.get_attribute("#problem", "data-problem") == "state_replayed"
    shot(page, "13-replayed")
    context.close()
    assert not flow.store.path.exists()
