"""Everything one running sandbox holds: settings, store, clock, limits, faults and definitions."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlencode

from transpiler.sandbox.catalog import Catalog, load_catalog
from transpiler.sandbox.clock import Clock
from transpiler.sandbox.faults import Faults
from transpiler.sandbox.parameters import load_table
from transpiler.sandbox.product_types import ProductTypes
from transpiler.sandbox.rate_limit import RateLimiter
from transpiler.sandbox.scripted import Scripts
from transpiler.sandbox.settings import SandboxSettings
from transpiler.sandbox.store import Store


@dataclass(frozen=True)
class Principal:
    """Who an access token speaks for."""

    client_id: str
    selling_partner_id: str | None
    vendor_code: str | None
    scope: str | None

    @property
    def partner(self) -> str:
        return self.vendor_code or self.selling_partner_id or self.client_id


class SandboxState:
    """One sandbox's state.

    `clock` defaults to the wall clock (a served sandbox); `product_types` may be shared by
    sandboxes serving the same definitions folder (its compiled validators are then compiled once).
    """

    def __init__(self, settings: SandboxSettings, *, clock: Clock | None = None,
                 product_types: ProductTypes | None = None):
        self.settings = settings
        self.registration = settings.registration
        self.clock = clock or Clock()
        self.store = Store(settings.data)
        self.limiter = RateLimiter(settings.rate_limits, clock=self.clock.now)
        #: (operation, HTTP status) -> answers given: what benchmarks and tests check (zero 429...)
        self.answers: Counter[tuple[str, int]] = Counter()
        self._answers_lock = threading.Lock()
        self.faults: Faults = settings.faults
        #: answers a test scripted for some operations (`transpiler.sandbox.scripted`)
        self.scripts = Scripts()
        if product_types is not None and product_types.root != settings.definitions:
            raise ValueError(f"shared definitions are from {product_types.root}, not {settings.definitions}")
        self.product_types = product_types or ProductTypes(settings.definitions)
        self.catalog: Catalog = load_catalog()
        self.parameters = load_table(settings.parameter_table)
        #: held while due jobs are applied (`transpiler.sandbox.pipeline.catch_up`)
        self.pipeline_lock = threading.Lock()
        self.signing_key = settings.signing_key or self.store.signing_key()
        self.base_url = ""  # set once the server knows its port
        #: SP-API calls received in full, by operation id (what a test waits for to know a call is
        #: in Amazon's hands, e.g. before killing the caller)
        self.received: Counter[str] = Counter()
        self._seed_registration()

    def _seed_registration(self) -> None:
        """The pre-authorized vendor's refresh token is always valid."""
        reg = self.registration
        self.store.add_token(reg.refresh_token, "refresh", client_id=reg.client_id,
                             selling_partner_id=reg.selling_partner_id, vendor_code=reg.vendor_code)

    def answered(self, operation: str, status: int) -> None:
        with self._answers_lock:
            self.answers[(operation, status)] += 1

    def answer_counts(self) -> dict[str, dict[str, int]]:
        """{operation: {status: count}} of every SP-API answer so far."""
        with self._answers_lock:
            out: dict[str, dict[str, int]] = {}
            for (operation, status), count in sorted(self.answers.items()):
                out.setdefault(operation, {})[str(status)] = count
            return out

    # -- tokens -------------------------------------------------------------------------------
    def issue_access_token(self, client_id: str, selling_partner_id: str | None, vendor_code: str | None,
                           scope: str | None = None) -> str:
        token = "Atza|" + secrets.token_urlsafe(48)
        self.store.add_token(token, "access", client_id=client_id, selling_partner_id=selling_partner_id,
                             vendor_code=vendor_code, scope=scope,
                             expires_at=self.clock.now() + self.settings.access_token_ttl)
        return token

    def issue_refresh_token(self, client_id: str, selling_partner_id: str, vendor_code: str) -> str:
        token = "Atzr|" + secrets.token_urlsafe(48)
        self.store.add_token(token, "refresh", client_id=client_id, selling_partner_id=selling_partner_id,
                             vendor_code=vendor_code)
        return token

    def issue_auth_code(self, client_id: str, redirect_uri: str) -> str:
        code = "AN" + secrets.token_urlsafe(20)
        reg = self.registration
        self.store.add_token(code, "code", client_id=client_id, selling_partner_id=reg.selling_partner_id,
                             vendor_code=reg.vendor_code, redirect_uri=redirect_uri,
                             expires_at=self.clock.now() + self.settings.auth_code_ttl)
        return code

    # -- presigned URLs -----------------------------------------------------------------------
    def sign(self, path: str, ttl: float) -> str:
        """An absolute URL for `path` that stops working after `ttl` seconds."""
        expires = int(self.clock.now() + ttl)
        signature = self._signature(path, expires)
        return f"{self.base_url}{path}?{urlencode({'X-Amz-Expires': expires, 'X-Amz-Signature': signature})}"

    def verify(self, path: str, expires: str | None, signature: str | None) -> str | None:
        """None when the URL is valid, else the reason it is not."""
        if not expires or not signature or not expires.isdigit():
            return "missing or malformed signature"
        if not hmac.compare_digest(self._signature(path, int(expires)), signature):
            return "signature does not match"
        if int(expires) < self.clock.now():
            return "request has expired"
        return None

    def _signature(self, path: str, expires: int) -> str:
        return hmac.new(self.signing_key, f"{path}\n{expires}".encode(), hashlib.sha256).hexdigest()

    def close(self) -> None:
        self.store.close()
