"""The authorization web app in-process (Starlette TestClient): pages, state checks, headers, errors.

Flows that need a real Login with Amazon run against the sandbox in test_authorize_flow.py; here
httpx.MockTransport stands in for LWA only for failures the sandbox cannot produce on demand
(unreachable, invalid_client, garbage answers).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from starlette.testclient import TestClient

from transpiler.authorize.app import create_app, options_from
from transpiler.authorize.store import TokenStore, new_key
from transpiler.config import Settings
from transpiler.errors import ConfigError

ORIGIN = "http://127.0.0.1:8766"
CONSENT = "http://127.0.0.1:9911"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def make_settings(tmp_path: Path, **extra: object) -> Settings:
    base: dict[str, object] = {
        "consent_url": CONSENT,
        "lwa_url": f"{CONSENT}/auth/o2/token",
        "application_id": "amzn1.sp.solution.test",
        "client_id": "amzn1.application-oa2-client.test",
        "client_secret": "test-client-secret-value",
        "token_store": str(tmp_path / "tokens.json"),
        "token_key": new_key(),
    }
    return Settings().with_overrides(**{**base, **extra})


def make_client(
    tmp_path: Path,
    lwa: Callable[[httpx.Request], httpx.Response] | None = None,
    clock: FakeClock | None = None,
    account_type: str | None = None,
    **extra: object,
) -> tuple[TestClient, TokenStore]:
    settings = make_settings(tmp_path, **extra)
    store = TokenStore.open(settings)
    options = options_from(settings, production=False, account_type=account_type)
    http = httpx.Client(transport=httpx.MockTransport(lwa)) if lwa else httpx.Client(transport=_no_network())
    app = create_app(settings, store, options, http_client=http, clock=clock or FakeClock())
    return TestClient(app, base_url=ORIGIN), store


def _no_network() -> httpx.MockTransport:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"unexpected call to {request.url}")

    return httpx.MockTransport(refuse)


def start(client: TestClient) -> str:
    """Press the connect button; return the state Amazon would echo back."""
    response = client.get("/amazon/authorize", follow_redirects=False)
    assert response.status_code == 302
    return parse_qs(urlsplit(response.headers["location"]).query)["state"][0]


def pending_of(page: httpx.Response) -> str:
    """The hidden `pending` value of the vendor code form."""
    return page.text.split('name="pending" value="', 1)[1].split('"', 1)[0]


def vendor_form(client: TestClient, selling_partner_id: str = "X") -> tuple[httpx.Response, str]:
    """Consent then Amazon's callback for a vendor: the vendor code form and its `pending` value."""
    page = client.get("/amazon/callback", params={"state": start(client), "spapi_oauth_code": "c",
                                                  "selling_partner_id": selling_partner_id})
    return page, pending_of(page)


def lwa_granting(refresh_token: str = "Atzr|r") -> Callable[[httpx.Request], httpx.Response]:
    """An LWA token endpoint that grants `refresh_token` to any code."""
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"access_token": "Atza|a", "refresh_token": refresh_token, "expires_in": 3600})

    return answer


def problem_key(response: httpx.Response) -> str:
    marker = 'data-problem="'
    assert marker in response.text, response.text
    return response.text.split(marker, 1)[1].split('"', 1)[0]


def test_landing_page_is_french_and_links_to_connect(tmp_path: Path) -> None:
    client, _ = make_client(tmp_path)
    response = client.get("/")
    assert response.status_code == 200
    assert "Connecter votre compte Amazon Vendor Central" in response.text
    assert 'href="/amazon/authorize"' in response.text
    assert '<html lang="fr">' in response.text
    assert "Mode bac à sable" in response.text


def test_seller_accounts_get_seller_central_wording(tmp_path: Path) -> None:
    client, _ = make_client(tmp_path, account_type="seller")
    assert "Connecter votre compte Amazon Seller Central" in client.get("/").text


def test_connect_redirects_to_the_consent_page_with_a_strong_state(tmp_path: Path) -> None:
    client, _ = make_client(tmp_path)
    response = client.get("/amazon/authorize", follow_redirects=False)
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{CONSENT}/apps/authorize/consent"
    query = parse_qs(location.query)
    assert query["application_id"] == ["amzn1.sp.solution.test"]
    assert "version" not in query
    assert "redirect_uri" not in query  # not configured: Amazon uses the first registered one
    state = query["state"][0]
    assert len(base64.urlsafe_b64decode(state + "=" * (-len(state) % 4))) >= 32
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" not in cookie  # plain http on loopback


def test_draft_app_and_configured_redirect_uri_reach_the_consent_url(tmp_path: Path) -> None:
    redirect = "https://pl.example.com/amazon/callback"
    client, _ = make_client(tmp_path, draft_app=True, redirect_uri=redirect)
    response = client.get("/amazon/authorize", follow_redirects=False)
    # The request came to 127.0.0.1, not to the redirect URI's host: the cookie would be lost, so
    # outside production the app first sends the browser to the canonical host.
    assert response.headers["location"] == "https://pl.example.com/amazon/authorize"
    https_client = TestClient(client.app, base_url="https://pl.example.com")
    response = https_client.get("/amazon/authorize", follow_redirects=False)
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["version"] == ["beta"]
    assert query["redirect_uri"] == [redirect]
    assert "secure" in response.headers["set-cookie"].lower()


def test_every_response_carries_no_referrer(tmp_path: Path) -> None:
    client, _ = make_client(tmp_path)
    responses = [
        client.get("/"),
        client.get("/amazon/authorize", follow_redirects=False),
        client.get("/amazon/callback?state=x&spapi_oauth_code=y"),
        client.get("/amazon/callback?error=access_denied"),
        client.get("/does-not-exist"),
        client.post("/"),
        client.post("/amazon/partner", data={"pending": "x", "vendor_code": "MODEL"}),
    ]
    assert [r.status_code for r in responses] == [200, 302, 400, 403, 404, 405, 400]
    for response in responses:
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["cache-control"] == "no-store"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_callback_without_the_session_cookie_is_forged(tmp_path: Path) -> None:
    client, store = make_client(tmp_path)
    state = start(client)
    stranger = TestClient(client.app, base_url=ORIGIN)  # another browser: no cookie
    response = stranger.get("/amazon/callback", params={"state": state, "spapi_oauth_code": "c"})
    assert response.status_code == 400
    assert problem_key(response) == "state_forged"
    assert "Lien d'autorisation non reconnu" in response.text.replace("&#39;", "'")
    # The state is spent: even its owner cannot use it after it was shown elsewhere.
    assert problem_key(client.get("/amazon/callback", params={"state": state, "spapi_oauth_code": "c"})) in {
        "state_replayed"
    }
    assert not store.path.exists()


def test_tampered_cookie_is_forged(tmp_path: Path) -> None:
    client, store = make_client(tmp_path)
    state = start(client)
    cookie = client.cookies.get("pl_amazon_session")
    client.cookies.set("pl_amazon_session", cookie[:-3] + "xyz")
    response = client.get("/amazon/callback", params={"state": state, "spapi_oauth_code": "c"})
    assert problem_key(response) == "state_forged"
    assert not store.path.exists()


def test_missing_state_and_missing_code(tmp_path: Path) -> None:
    client, store = make_client(tmp_path)
    start(client)
    assert problem_key(client.get("/amazon/callback", params={"spapi_oauth_code": "c"})) == "state_missing"
    state = start(client)
    assert problem_key(client.get("/amazon/callback", params={"state": state})) == "missing_code"
    assert not store.path.exists()


def test_expired_state_is_refused(tmp_path: Path) -> None:
    clock = FakeClock()
    client, store = make_client(tmp_path, clock=clock)
    state = start(client)
    clock.now += 601
    response = client.get("/amazon/callback", params={"state": state, "spapi_oauth_code": "c"})
    assert response.status_code == 400
    assert problem_key(response) == "state_expired"
    assert "10 minutes" in response.text
    assert not store.path.exists()


@pytest.mark.parametrize(
    ("error", "key", "status", "words"),
    [
        ("access_denied", "access_denied", 403, "Autorisation refusée"),
        ("MD1000", "MD1000", 400, "PL_AMAZON_DRAFT_APP"),
        ("MD5101", "MD5101", 400, "PL_AMAZON_REDIRECT_URI"),
        ("XY9999", "amazon_error", 502, "XY9999"),
    ],
)
def test_amazon_errors_get_pages_that_say_what_to_do(
    tmp_path: Path, error: str, key: str, status: int, words: str
) -> None:
    client, store = make_client(tmp_path)
    state = start(client)
    response = client.get("/amazon/callback", params={"state": state, "error": error})
    assert response.status_code == status
    assert problem_key(response) == key
    assert words in response.text
    assert "Que faire ?" in response.text
    # The state is spent by the error: a later callback with it is refused.
    assert problem_key(client.get("/amazon/callback", params={"state": state, "spapi_oauth_code": "c"})) == (
        "state_replayed"
    )
    assert not store.path.exists()


def _lwa_error(status: int, body: object) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=body) if not isinstance(body, str) else httpx.Response(status, text=body)

    return handler


def _unreachable(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


@pytest.mark.parametrize(
    ("lwa", "key", "status"),
    [
        (_unreachable, "unreachable", 502),
        (_lwa_error(401, {"error": "invalid_client", "error_description": "Client authentication failed"}),
         "invalid_client", 502),
        (_lwa_error(400, {"error": "invalid_grant", "error_description": "The request has an invalid grant"}),
         "invalid_grant", 400),
        (_lwa_error(500, "<html>oops</html>"), "amazon_error", 502),
        (_lwa_error(200, {"access_token": "Atza|only"}), "amazon_error", 502),
    ],
)
def test_lwa_failures_store_nothing(
    tmp_path: Path, lwa: Callable[[httpx.Request], httpx.Response], key: str, status: int
) -> None:
    client, store = make_client(tmp_path, lwa=lwa)
    state = start(client)
    response = client.get(
        "/amazon/callback", params={"state": state, "spapi_oauth_code": "ANcode", "selling_partner_id": "sp"}
    )
    assert response.status_code == status
    assert problem_key(response) == key
    assert "ANcode" not in response.text
    assert not store.path.exists()


def test_exchange_request_is_exactly_the_documented_form(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []

    def lwa(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"access_token": "Atza|a", "refresh_token": "Atzr|r", "expires_in": 3600})

    client, store = make_client(tmp_path, lwa=lwa)
    state = start(client)
    response = client.get(
        "/amazon/callback", params={"state": state, "spapi_oauth_code": "ANcode", "selling_partner_id": "amzn1.x"}
    )
    assert response.status_code == 200
    assert len(seen) == 1
    request = seen[0]
    assert str(request.url) == f"{CONSENT}/auth/o2/token"
    assert request.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert parse_qs(request.content.decode()) == {
        "grant_type": ["authorization_code"],
        "code": ["ANcode"],
        "redirect_uri": [f"{ORIGIN}/amazon/callback"],
        "client_id": ["amzn1.application-oa2-client.test"],
        "client_secret": ["test-client-secret-value"],
    }
    # A vendor: the token waits in memory for the vendor code; nothing is stored yet.
    assert "code fournisseur" in response.text
    assert not store.path.exists()
    pending = pending_of(response)

    bad = client.post("/amazon/partner", data={"pending": pending, "vendor_code": "MO-D"})
    assert bad.status_code == 400
    assert "n'est pas un code fournisseur valide" in bad.text.replace("&#39;", "'")
    assert not store.path.exists()

    stranger = TestClient(client.app, base_url=ORIGIN)
    assert problem_key(stranger.post("/amazon/partner", data={"pending": pending, "vendor_code": "MODEL"})) == (
        "pending_expired"
    )
    assert not store.path.exists()


def test_vendor_code_completes_the_flow(tmp_path: Path) -> None:
    def lwa(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"access_token": "Atza|a", "refresh_token": "Atzr|r", "expires_in": 3600})

    client, store = make_client(tmp_path, lwa=lwa)
    state = start(client)
    page = client.get("/amazon/callback", params={"state": state, "spapi_oauth_code": "c", "selling_partner_id": "X"})
    pending = pending_of(page)
    done = client.post("/amazon/partner", data={"pending": pending, "vendor_code": " model "})
    assert done.status_code == 200
    assert "Compte MODEL connecté" in done.text
    assert store.refresh_token_for("MODEL").reveal() == "Atzr|r"
    assert [p.selling_partner_id for p in store.partners()] == ["X"]
    # The form cannot be replayed.
    again = client.post("/amazon/partner", data={"pending": pending, "vendor_code": "OTHER"})
    assert problem_key(again) == "pending_expired"
    assert [p.partner for p in store.partners()] == ["MODEL"]


@pytest.mark.parametrize(("typed", "stored"), [("ab1", "AB1"), ("MODEL", "MODEL"), ("ModeLabs7", "MODELABS7"),
                                                ("X" * 32, "X" * 32)])
def test_vendor_codes_are_letters_and_digits_of_any_length(tmp_path: Path, typed: str, stored: str) -> None:
    """Amazon documents no fixed length for vendor codes: no 5-character rule."""
    client, store = make_client(tmp_path, lwa=lwa_granting())
    page, pending = vendor_form(client)
    assert 'pattern="[A-Za-z0-9]+"' in page.text and "5 caractères" not in page.text
    assert client.post("/amazon/partner", data={"pending": pending, "vendor_code": typed}).status_code == 200
    assert [p.partner for p in store.partners()] == [stored]


@pytest.mark.parametrize("typed", ["amzn1.vg.1234567", "AB CD", "AB-CD", "X" * 33, ""])
def test_what_is_not_a_vendor_code_is_refused_with_a_french_reason(tmp_path: Path, typed: str) -> None:
    client, store = make_client(tmp_path, lwa=lwa_granting())
    _, pending = vendor_form(client)
    refused = client.post("/amazon/partner", data={"pending": pending, "vendor_code": typed})
    assert refused.status_code == 400 and not store.path.exists()
    text = refused.text.replace("&#39;", "'")
    if typed.startswith("amzn1"):
        assert "l'identifiant de votre compte, pas votre code fournisseur" in text
    else:
        assert "n'est pas un code fournisseur valide" in text


def test_seller_accounts_are_stored_under_their_selling_partner_id(tmp_path: Path) -> None:
    def lwa(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"access_token": "Atza|a", "refresh_token": "Atzr|s", "expires_in": 3600})

    client, store = make_client(tmp_path, lwa=lwa, account_type="seller")
    state = start(client)
    page = client.get(
        "/amazon/callback", params={"state": state, "spapi_oauth_code": "c", "selling_partner_id": "A2SELLER"}
    )
    assert "Compte A2SELLER connecté" in page.text
    assert store.refresh_token_for("A2SELLER").reveal() == "Atzr|s"


def test_options_name_every_missing_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as missing:
        options_from(Settings().with_overrides(application_id="", client_id=""), production=True)
    names = ("PL_AMAZON_APPLICATION_ID", "PL_AMAZON_CLIENT_ID", "PL_AMAZON_CLIENT_SECRET", "PL_AMAZON_REDIRECT_URI")
    for name in names:
        assert name in str(missing.value)


@pytest.mark.parametrize(
    ("redirect", "production", "message"),
    [
        ("http://127.0.0.1:8766/oauth/return", False, "ending in /amazon/callback"),
        ("ftp://host/amazon/callback", False, "http"),
        ("http://pl.example.com/amazon/callback", True, "must use https"),
    ],
)
def test_bad_redirect_uris_are_refused_at_start(tmp_path: Path, redirect: str, production: bool, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        options_from(make_settings(tmp_path, redirect_uri=redirect), production=production)


def test_amazon_error_codes_are_escaped_on_the_page(tmp_path: Path) -> None:
    client, _ = make_client(tmp_path)
    response = client.get("/amazon/callback", params={"error": "<script>alert(1)</script>"})
    assert problem_key(response) == "amazon_error"
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;" in response.text


def test_consent_host_defaults_follow_the_account_type(tmp_path: Path) -> None:
    real = {"consent_url": "https://vendorcentral.amazon.fr", "redirect_uri": "https://pl.example.com/amazon/callback"}
    vendor = options_from(make_settings(tmp_path, **real), production=True)
    seller = options_from(make_settings(tmp_path, **real), production=True, account_type="seller")
    assert (vendor.account_type, vendor.consent_url) == ("vendor", "https://vendorcentral.amazon.fr")
    assert (seller.account_type, seller.consent_url) == ("seller", "https://sellercentral-europe.amazon.com")
    explicit = options_from(
        make_settings(
            tmp_path, consent_url="https://sellercentral-europe.amazon.com/", redirect_uri=real["redirect_uri"]
        ),
        production=True,
    )
    assert (explicit.account_type, explicit.consent_url) == ("seller", "https://sellercentral-europe.amazon.com")
