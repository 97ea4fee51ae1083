"""The Vendor Central consent page stand-in (`/apps/authorize/consent`), in French.

Amazon's website authorization workflow: the app sends the vendor here with `application_id`
and `state`; the page names the app; "Autoriser" redirects to the registered redirect URI with
`state`, `selling_partner_id` and a five-minute, single-use `spapi_oauth_code`. An unknown app
(or a Draft app without `version=beta`) shows error MD1000; an unregistered `redirect_uri`
shows MD5101.
"""

from __future__ import annotations

import html
import secrets
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from transpiler.sandbox.state import SandboxState

_HEADERS = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}
_PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:Arial,sans-serif;max-width:40rem;margin:3rem auto;color:#111}}
.box{{border:1px solid #ccc;border-radius:8px;padding:1.5rem}} button{{padding:.6rem 1.2rem;margin-right:.5rem}}
.primary{{background:#ffd814;border:1px solid #fcd200}} .error{{color:#b12704}}</style></head>
<body><p><strong>Vendor Central</strong> — bac à sable local</p><div class="box">{body}</div></body></html>"""


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(_PAGE.format(title=html.escape(title), body=body), status, headers=_HEADERS)


def _error(code: str, message: str) -> HTMLResponse:
    body = (f'<h1 class="error">Erreur {html.escape(code)}</h1><p>{html.escape(message)}</p>'
            f"<p>Code d'erreur : <code>{html.escape(code)}</code></p>")
    return _page(f"Erreur {code}", body, 400)


def _check(state: SandboxState, application_id: str, version: str | None, redirect_uri: str | None
           ) -> tuple[str | None, HTMLResponse | None]:
    reg = state.registration
    if application_id != reg.application_id:
        return None, _error("MD1000", "Cette application est inconnue ou n'est pas encore publiée.")
    if reg.draft and version != "beta":
        return None, _error("MD1000", "Cette application est à l'état de brouillon : ajoutez version=beta à l'URL.")
    target = redirect_uri or reg.redirect_uri
    if target not in reg.redirect_uris:
        return None, _error("MD5101", "L'URI de redirection ne fait pas partie des URI enregistrées pour cette "
                                      "application.")
    return target, None


async def consent_page(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    params = request.query_params
    target, error = _check(state, params.get("application_id", ""), params.get("version"), params.get("redirect_uri"))
    if error:
        return error
    oauth_state = params.get("state", "")
    if not oauth_state:
        return _error("MD9100", "Le paramètre state est manquant.")
    reg = state.registration
    nonce = secrets.token_urlsafe(16)
    request.app.state.consent_nonces.add(nonce)
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{html.escape(value or "")}">'
        for name, value in (("application_id", reg.application_id), ("state", oauth_state),
                            ("redirect_uri", target), ("version", params.get("version", "")), ("nonce", nonce))
    )
    body = (f"<h1>Autoriser {html.escape(reg.application_name)}</h1>"
            f"<p>L'application <strong>{html.escape(reg.application_name)}</strong> "
            f"(<code>{html.escape(reg.application_id)}</code>) demande l'accès à votre compte fournisseur "
            f"<strong>{html.escape(reg.vendor_code)}</strong> pour publier des annonces sur Amazon.fr.</p>"
            f'<form method="post" action="/apps/authorize/confirm">{hidden}'
            '<button class="primary" type="submit" name="decision" value="allow">Autoriser</button>'
            '<button type="submit" name="decision" value="deny">Annuler</button></form>')
    return _page("Autoriser l'application", body)


async def consent_confirm(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    form = await request.form()
    values = {k: str(v) for k, v in form.items()}
    nonce = values.get("nonce", "")
    if nonce not in request.app.state.consent_nonces:
        return _error("MD9100", "Ce formulaire d'autorisation a expiré : recommencez depuis l'application.")
    request.app.state.consent_nonces.discard(nonce)
    target, error = _check(state, values.get("application_id", ""), values.get("version") or None,
                           values.get("redirect_uri"))
    if error:
        return error
    if values.get("decision") != "allow":
        return _page("Autorisation annulée", "<h1>Autorisation annulée</h1><p>Aucun accès n'a été accordé.</p>")
    reg = state.registration
    code = state.issue_auth_code(reg.client_id, target)
    query = urlencode({"state": values.get("state", ""), "selling_partner_id": reg.selling_partner_id,
                       "spapi_oauth_code": code})
    separator = "&" if "?" in target else "?"
    return RedirectResponse(f"{target}{separator}{query}", 302, headers=_HEADERS)
