"""Login with Amazon and the consent page on the sandbox: grants, errors, expiry, redirect rules."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from lxml import html

from tests.sandbox_fixtures import MARKETPLACE
from transpiler.sandbox import registration as demo
from transpiler.sandbox.runner import open_sandbox


def token(sandbox, **form) -> httpx.Response:
    reg = sandbox.registration
    return sandbox.http.post(sandbox.lwa_url,
                             data={"client_id": reg.client_id, "client_secret": reg.client_secret, **form})


def listings_get(sandbox, access_token: str | None) -> httpx.Response:
    headers = {"x-amz-access-token": access_token} if access_token else {}
    return sandbox.http.get(f"{sandbox.url}/listings/2021-08-01/items/MODEL/ANY",
                            params={"marketplaceIds": MARKETPLACE}, headers=headers)


def test_demo_registration_constants():
    assert demo.APPLICATION_ID == "amzn1.sp.solution.demo"
    assert demo.CLIENT_ID == "amzn1.application-oa2-client.demo"
    assert demo.CLIENT_SECRET == "demo-secret"
    assert demo.REDIRECT_URI == "http://127.0.0.1:8766/amazon/callback"
    assert demo.VENDOR_CODE == "MODEL"
    assert demo.REFRESH_TOKEN == "Atzr|demo-refresh-token"
    with pytest.raises(TypeError):
        demo.DEMO.with_overrides(no_such_field=1)


def test_refresh_token_grant_issues_amazon_like_access_tokens(sandbox):
    response = token(sandbox, grant_type="refresh_token", refresh_token=demo.REFRESH_TOKEN)
    body = response.json()
    assert response.status_code == 200
    assert body["access_token"].startswith("Atza|") and body["token_type"] == "bearer"
    assert body["expires_in"] == 3600 and body["refresh_token"] == demo.REFRESH_TOKEN
    assert response.headers["cache-control"] == "no-store"
    assert listings_get(sandbox, body["access_token"]).status_code == 404  # authorized; the SKU does not exist


def test_lwa_errors(sandbox):
    wrong_secret = token(sandbox, grant_type="refresh_token", refresh_token=demo.REFRESH_TOKEN, client_secret="x")
    assert wrong_secret.status_code == 401 and wrong_secret.json()["error"] == "invalid_client"
    bad_refresh = token(sandbox, grant_type="refresh_token", refresh_token="Atzr|nope")
    assert bad_refresh.status_code == 400 and bad_refresh.json()["error"] == "invalid_grant"
    assert token(sandbox, grant_type="password").json()["error"] == "unsupported_grant_type"
    assert token(sandbox).json()["error"] == "invalid_request"
    assert token(sandbox, grant_type="client_credentials", scope="sellingpartnerapi::everything").json()[
        "error"] == "invalid_scope"


def test_client_credentials_token_cannot_call_listings(sandbox):
    body = token(sandbox, grant_type="client_credentials", scope="sellingpartnerapi::notifications").json()
    assert body["scope"] == "sellingpartnerapi::notifications"
    denied = listings_get(sandbox, body["access_token"])
    assert denied.status_code == 403 and denied.json()["errors"][0]["code"] == "Unauthorized"


def test_access_token_missing_unknown_and_expired(sandbox):
    missing = listings_get(sandbox, None)
    assert missing.status_code == 403
    assert "missing" in missing.json()["errors"][0]["details"]
    assert listings_get(sandbox, "Atza|forged").status_code == 403
    access = token(sandbox, grant_type="refresh_token", refresh_token=demo.REFRESH_TOKEN).json()["access_token"]
    sandbox.advance_clock(3601)
    expired = listings_get(sandbox, access)
    assert expired.status_code == 403 and "expired" in expired.json()["errors"][0]["details"]
    fresh = token(sandbox, grant_type="refresh_token", refresh_token=demo.REFRESH_TOKEN).json()["access_token"]
    assert listings_get(sandbox, fresh).status_code == 404
    assert sandbox.admin("POST", "expire-tokens")["expired"] >= 1
    assert listings_get(sandbox, fresh).status_code == 403


def authorize(sandbox, **params) -> httpx.Response:
    """Open the consent page and press "Autoriser" like a vendor would."""
    page = sandbox.http.get(f"{sandbox.consent_url}/apps/authorize/consent", params=params)
    assert page.status_code == 200, page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    form = html.fromstring(page.text).forms[0]
    fields = {name: value for name, value in form.form_values()}
    return sandbox.http.post(f"{sandbox.url}{form.action}", data={**fields, "decision": "allow"})


def test_consent_flow_then_authorization_code_grant(sandbox):
    page = sandbox.http.get(f"{sandbox.consent_url}/apps/authorize/consent",
                            params={"application_id": demo.APPLICATION_ID, "state": "s1"})
    assert "Autoriser" in page.text and demo.APPLICATION_ID in page.text and "MODEL" in page.text
    redirect = authorize(sandbox, application_id=demo.APPLICATION_ID, state="xyz-123")
    assert redirect.status_code == 302
    target = urlparse(redirect.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == demo.REDIRECT_URI
    query = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert query["state"] == "xyz-123" and query["selling_partner_id"] == sandbox.registration.selling_partner_id
    code = query["spapi_oauth_code"]
    wrong_redirect = token(sandbox, grant_type="authorization_code", code=code, redirect_uri="http://evil/cb")
    assert wrong_redirect.json()["error"] == "invalid_grant"
    exchanged = token(sandbox, grant_type="authorization_code", code=code, redirect_uri=demo.REDIRECT_URI).json()
    assert exchanged["refresh_token"].startswith("Atzr|") and exchanged["refresh_token"] != demo.REFRESH_TOKEN
    again = token(sandbox, grant_type="authorization_code", code=code, redirect_uri=demo.REDIRECT_URI)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"  # single use
    refreshed = token(sandbox, grant_type="refresh_token", refresh_token=exchanged["refresh_token"]).json()
    assert listings_get(sandbox, refreshed["access_token"]).status_code == 404


def test_authorization_code_expires_after_five_minutes(sandbox):
    redirect = authorize(sandbox, application_id=demo.APPLICATION_ID, state="late")
    code = parse_qs(urlparse(redirect.headers["location"]).query)["spapi_oauth_code"][0]
    sandbox.advance_clock(301)
    late = token(sandbox, grant_type="authorization_code", code=code, redirect_uri=demo.REDIRECT_URI)
    assert late.json()["error"] == "invalid_grant" and "expired" in late.json()["error_description"]


def test_consent_errors_md1000_md5101(sandbox):
    unknown = sandbox.http.get(f"{sandbox.consent_url}/apps/authorize/consent",
                               params={"application_id": "amzn1.sp.solution.other", "state": "s"})
    assert unknown.status_code == 400 and "MD1000" in unknown.text
    wrong_uri = sandbox.http.get(f"{sandbox.consent_url}/apps/authorize/consent",
                                 params={"application_id": demo.APPLICATION_ID, "state": "s",
                                         "redirect_uri": "https://attacker.example/cb"})
    assert wrong_uri.status_code == 400 and "MD5101" in wrong_uri.text


def test_draft_app_needs_version_beta_and_overrides_apply(tmp_path):
    with open_sandbox(data=tmp_path, draft=True, redirect_uri="http://127.0.0.1:9999/cb",
                       client_secret="other-secret") as sandbox:
        base = {"application_id": demo.APPLICATION_ID, "state": "s"}
        assert "MD1000" in sandbox.http.get(f"{sandbox.consent_url}/apps/authorize/consent", params=base).text
        redirect = authorize(sandbox, **base, version="beta")
        assert redirect.headers["location"].startswith("http://127.0.0.1:9999/cb?")
        assert token(sandbox, grant_type="refresh_token", refresh_token=demo.REFRESH_TOKEN,
                     client_secret="demo-secret").status_code == 401
