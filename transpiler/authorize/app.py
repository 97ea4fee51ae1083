"""The website authorization workflow: a small Starlette app a vendor opens to authorize Product-Live.

    GET  /                  landing page (French) with the connect button
    GET  /amazon/authorize  new state bound to the browser session → 302 to Amazon's consent page
    GET  /amazon/callback   Amazon comes back here: check state, exchange the code at once, then
                            ask the vendor code (vendors) or store the token (sellers)
    POST /amazon/partner    vendor code form → token stored → success page naming the partner

Every response carries `Referrer-Policy: no-referrer` (the callback URL holds the one-time code),
`Cache-Control: no-store` and a strict CSP. The app never logs query strings, codes or tokens: its
own access log records method, path and status only (`server.py` runs uvicorn with `access_log=False`);
control characters in what it logs are escaped (`control_chars.py`). A vendor code that already
holds another selling partner's token is refused (`partner_bound`), never rebound silently.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from transpiler.authorize.control_chars import escape_controls, escape_logs
from transpiler.authorize.exchange import ExchangeFailed, exchange_code
from transpiler.authorize.messages import PROBLEMS, Problem, problem_for_amazon_error
from transpiler.authorize.state import SESSION_COOKIE, STATE_LIFETIME, SessionSigner, StateRegistry, StateRejected
from transpiler.authorize.store import PartnerAlreadyBound, TokenStore, is_loopback_url
from transpiler.config import SELLER_CENTRAL_EU, VENDOR_CENTRAL_FR, Secret, Settings
from transpiler.errors import ConfigError

log = logging.getLogger("transpiler.authorize")
access_log = logging.getLogger("transpiler.authorize.access")

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates" / "authorize"
CALLBACK_PATH = "/amazon/callback"
CONSENT_PATH = "/apps/authorize/consent"
PENDING_LIFETIME = 900  # seconds a vendor has to type the vendor code after consent
#: a vendor code as Vendor Central shows it: letters and digits; Amazon documents no fixed length
#: (amzn/selling-partner-api-docs#2107). Bounded only against garbage.
VENDOR_CODE = re.compile(r"^[A-Z0-9]{1,32}$")

SECURITY_HEADERS = [
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (
        b"content-security-policy",
        b"default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
        b"frame-ancestors 'none'; base-uri 'none'",
    ),
]


class SecurityHeaders:
    """ASGI middleware: security headers on every response, errors and 404s included."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.monotonic()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in SECURITY_HEADERS}
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message["headers"] = headers + SECURITY_HEADERS
                # Path only: the callback's query string holds the one-time code.
                access_log.info(
                    "%s %s %s %.0fms",
                    scope["method"],
                    scope["path"],
                    message["status"],
                    (time.monotonic() - started) * 1000,
                )
            await send(message)

        await self.app(scope, receive, send_with_headers)


@dataclass(frozen=True)
class AuthorizeOptions:
    """How the app talks to Amazon, derived from Settings once at start-up."""

    consent_url: str
    application_id: str
    redirect_uri: str  # exact URI sent to LWA with the code
    send_redirect_uri: bool  # add redirect_uri to the consent URL (only when configured)
    draft_app: bool
    account_type: str  # "vendor" or "seller"
    production: bool


def account_type_for(consent_url: str) -> str:
    """Seller Central consent hosts mean seller accounts; anything else (Vendor Central, sandbox) vendors."""
    return "seller" if "sellercentral" in (urlsplit(consent_url).hostname or "") else "vendor"


def options_from(
    settings: Settings,
    *,
    production: bool,
    host: str = "127.0.0.1",
    port: int = 8766,
    account_type: str | None = None,
) -> AuthorizeOptions:
    """Check the settings the workflow needs; raise ConfigError naming every missing one."""
    missing = [
        env
        for env, value in (
            ("PL_AMAZON_APPLICATION_ID", settings.application_id),
            ("PL_AMAZON_CLIENT_ID", settings.client_id),
            ("PL_AMAZON_CLIENT_SECRET", settings.client_secret),
            ("PL_AMAZON_CONSENT_URL", settings.consent_url),
            ("PL_AMAZON_LWA_URL", settings.lwa_url),
        )
        if not value
    ]
    if production and not settings.redirect_uri:
        missing.append("PL_AMAZON_REDIRECT_URI")
    if missing:
        raise ConfigError(f"authorize serve needs {', '.join(missing)}")
    redirect_uri = settings.redirect_uri or f"http://{host}:{port}{CALLBACK_PATH}"
    parts = urlsplit(redirect_uri)
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.path != CALLBACK_PATH:
        raise ConfigError(
            f"PL_AMAZON_REDIRECT_URI must be an http(s) URL ending in {CALLBACK_PATH} (this app's callback), "
            f"got {redirect_uri!r}"
        )
    if production and parts.scheme != "https" and not is_loopback_url(redirect_uri):
        raise ConfigError("in production mode PL_AMAZON_REDIRECT_URI must use https")
    kind = account_type or account_type_for(settings.consent_url)
    if kind not in {"vendor", "seller"}:
        raise ConfigError(f"account type must be vendor or seller, got {kind!r}")
    consent = settings.consent_url
    if kind == "seller" and consent.rstrip("/") == VENDOR_CENTRAL_FR:
        consent = SELLER_CENTRAL_EU  # the default host is Vendor Central's; sellers consent in Seller Central
    return AuthorizeOptions(
        consent_url=consent.rstrip("/"),
        application_id=settings.application_id,
        redirect_uri=redirect_uri,
        send_redirect_uri=bool(settings.redirect_uri),
        draft_app=settings.draft_app,
        account_type=kind,
        production=production,
    )


def consent_url(options: AuthorizeOptions, state: str) -> str:
    """Amazon's consent URI: application_id, state, version=beta for drafts, redirect_uri when configured."""
    params = {"application_id": options.application_id, "state": state}
    if options.draft_app:
        params["version"] = "beta"
    if options.send_redirect_uri:
        params["redirect_uri"] = options.redirect_uri
    return f"{options.consent_url}{CONSENT_PATH}?{urlencode(params)}"


@dataclass(frozen=True)
class _PendingPartner:
    """A refresh token obtained at callback, waiting for the vendor code. Lives in memory only."""

    session: str
    selling_partner_id: str
    refresh_token: Secret
    created_at: float


def _short(value: str) -> str:
    """A non-reversible reference to a state or session for logs."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:8]


def create_app(
    settings: Settings,
    store: TokenStore,
    options: AuthorizeOptions,
    *,
    http_client: httpx.Client | None = None,
    clock: Callable[[], float] = time.time,
    session_secret: bytes | None = None,
) -> Starlette:
    """The authorization web app. `http_client` reaches LWA (default: a new client, 30 s timeout)."""
    escape_logs(log.name, access_log.name)  # query strings and paths are the sender's text
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    signer = SessionSigner(session_secret or secrets.token_bytes(32), clock=clock)
    states = StateRegistry(clock=clock, lifetime=STATE_LIFETIME)
    pending: dict[str, _PendingPartner] = {}
    pending_lock = threading.Lock()
    client = http_client or httpx.Client(timeout=30.0)
    redirect = urlsplit(options.redirect_uri)
    canonical_origin = f"{redirect.scheme}://{redirect.netloc}"
    central = "Vendor Central" if options.account_type == "vendor" else "Seller Central"

    def page(request: Request, name: str, status: int = 200, **context: Any) -> Response:
        base = {"central": central, "sandbox": not options.production, "account_type": options.account_type}
        return templates.TemplateResponse(request, name, {**base, **context}, status_code=status)

    def problem(request: Request, item: Problem, detail: str | None = None) -> Response:
        log.warning("authorization stopped: %s", item.key)
        return page(request, "error.html", status=item.status, problem=item, detail=detail)

    def landing(request: Request) -> Response:
        return page(request, "landing.html")

    def authorize(request: Request) -> Response:
        if request.url.netloc != redirect.netloc and not options.production:
            # The session cookie must be set on the host Amazon will come back to.
            return RedirectResponse(f"{canonical_origin}/amazon/authorize", status_code=302)
        session = signer.session_of(request.cookies.get(SESSION_COOKIE))
        cookie = None
        if session is None:
            session, cookie = signer.new_session()
        state = states.issue(session)
        log.info("authorization started: session %s, state %s", _short(session), _short(state))
        response = RedirectResponse(consent_url(options, state), status_code=302)
        if cookie is not None:
            response.set_cookie(
                SESSION_COOKIE,
                cookie,
                max_age=STATE_LIFETIME * 3,
                httponly=True,
                samesite="lax",
                secure=redirect.scheme == "https",
                path="/",
            )
        return response

    def callback(request: Request) -> Response:
        query = request.query_params
        session = signer.session_of(request.cookies.get(SESSION_COOKIE))
        amazon_error = query.get("error") or query.get("error_code")
        if amazon_error:
            with contextlib.suppress(StateRejected):  # the error page is what matters; the state is spent
                states.consume(query.get("state"), session)
            item = problem_for_amazon_error(amazon_error)
            return problem(request, item, detail=amazon_error if item.key == "amazon_error" else None)
        try:
            states.consume(query.get("state"), session)
        except StateRejected as rejected:
            return problem(request, PROBLEMS[f"state_{rejected.reason}"])
        assert session is not None  # consume() refuses a missing session
        code = query.get("spapi_oauth_code")
        if not code:
            return problem(request, PROBLEMS["missing_code"])
        selling_partner_id = query.get("selling_partner_id", "")
        log.info("callback accepted for selling partner %s; exchanging the code", selling_partner_id or "?")
        try:
            grant = exchange_code(client, settings, code, options.redirect_uri)
        except ExchangeFailed as failed:
            item = problem_for_amazon_error(failed.error)
            return problem(request, item, detail=failed.error if item.key == "amazon_error" else None)
        if options.account_type == "seller":
            if not selling_partner_id:
                return problem(request, PROBLEMS["amazon_error"], detail="selling_partner_id")
            try:
                record = store.save(selling_partner_id, selling_partner_id, "seller", grant.refresh_token)
            except PartnerAlreadyBound:
                return problem(request, PROBLEMS["partner_bound"])
            log.info("refresh token stored for seller %s", record.partner)
            return page(request, "success.html", partner=record)
        pending_id = secrets.token_urlsafe(32)
        with pending_lock:
            now = clock()
            for key, item in list(pending.items()):
                if now - item.created_at > PENDING_LIFETIME:
                    del pending[key]
            pending[pending_id] = _PendingPartner(session, selling_partner_id, grant.refresh_token, now)
        return page(request, "vendor_code.html", pending_id=pending_id, selling_partner_id=selling_partner_id)

    async def partner(request: Request) -> Response:
        form = await request.form()
        pending_id = str(form.get("pending", ""))
        vendor_code = str(form.get("vendor_code", "")).strip().upper()
        session = signer.session_of(request.cookies.get(SESSION_COOKIE))
        with pending_lock:
            item = pending.get(pending_id)
            if (
                item is None
                or session is None
                or not secrets.compare_digest(item.session, session)
                or clock() - item.created_at > PENDING_LIFETIME
            ):
                pending.pop(pending_id, None)
                item = None
            elif VENDOR_CODE.match(vendor_code):
                del pending[pending_id]
        if item is None:
            return problem(request, PROBLEMS["pending_expired"])
        bound = store.bound_to(vendor_code) if VENDOR_CODE.match(vendor_code) else None
        if bound is not None and bound != escape_controls(item.selling_partner_id):
            log.warning("vendor code %s is already bound to selling partner %s, not %s: refused", vendor_code,
                        bound, item.selling_partner_id)
            return problem(request, PROBLEMS["partner_bound"])
        if not VENDOR_CODE.match(vendor_code):
            return page(
                request,
                "vendor_code.html",
                status=400,
                pending_id=pending_id,
                selling_partner_id=item.selling_partner_id,
                vendor_code=vendor_code,
                invalid=True,
                selling_partner_like=vendor_code.lower().startswith("amzn1"),
            )
        try:
            record = store.save(vendor_code, item.selling_partner_id, "vendor", item.refresh_token)
        except PartnerAlreadyBound:  # bound meanwhile by another tab
            return problem(request, PROBLEMS["partner_bound"])
        log.info("refresh token stored for vendor %s (selling partner %s)", record.partner, record.selling_partner_id)
        return page(request, "success.html", partner=record)

    async def not_found(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 404)
        if status == 405:
            return Response("Méthode non autorisée", status_code=405, media_type="text/plain; charset=utf-8")
        return page(request, "error.html", status=404, problem=PROBLEMS["not_found"], detail=None)

    app = Starlette(
        routes=[
            Route("/", landing, methods=["GET"]),
            Route("/amazon/authorize", authorize, methods=["GET"]),
            Route(CALLBACK_PATH, callback, methods=["GET"]),
            Route("/amazon/partner", partner, methods=["POST"]),
        ],
        exception_handlers={HTTPException: not_found},
    )
    app.add_middleware(SecurityHeaders)
    app.state.states = states
    return app

