"""The known demo registration: one developer app and one pre-authorized vendor.

Amazon issues these values when a developer registers an app and a vendor authorizes it; the
sandbox ships fixed ones so the demo and the tests need no real account. Every value can be
overridden (keyword arguments of `start_sandbox`, or `Registration(...)`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

APPLICATION_ID = "amzn1.sp.solution.demo"
CLIENT_ID = "amzn1.application-oa2-client.demo"
CLIENT_SECRET = "demo-secret"
REDIRECT_URI = "http://127.0.0.1:8766/amazon/callback"
VENDOR_CODE = "MODEL"
REFRESH_TOKEN = "Atzr|demo-refresh-token"
SELLING_PARTNER_ID = "amzn1.vg.demo.MODEL"
APPLICATION_NAME = "Product-Live ⇄ Amazon (démo)"


@dataclass(frozen=True)
class Registration:
    """One app registration plus the vendor it is pre-authorized for."""

    application_id: str = APPLICATION_ID
    application_name: str = APPLICATION_NAME
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    redirect_uris: tuple[str, ...] = (REDIRECT_URI,)
    vendor_code: str = VENDOR_CODE
    selling_partner_id: str = SELLING_PARTNER_ID
    refresh_token: str = REFRESH_TOKEN
    draft: bool = False  # a Draft app must be authorized with version=beta (MD1000 otherwise)
    #: the app's roles; without "Product Listing" listings, definitions and feeds answer 403
    roles: tuple[str, ...] = ("Product Listing",)

    @property
    def redirect_uri(self) -> str:
        """The default redirect URI: the first registered one, as Amazon uses."""
        return self.redirect_uris[0]

    def with_overrides(self, **values: Any) -> Registration:
        """A copy with some fields replaced; `redirect_uri=` sets the single registered URI.

        Raises TypeError for an unknown field name so typos do not pass silently.
        """
        clean = {k: v for k, v in values.items() if v is not None}
        if "redirect_uri" in clean:
            clean["redirect_uris"] = (clean.pop("redirect_uri"),)
        for name in ("redirect_uris", "roles"):
            if isinstance(clean.get(name), list):
                clean[name] = tuple(clean[name])
        known = {f.name for f in fields(self)}
        unknown = sorted(set(clean) - known)
        if unknown:
            raise TypeError(f"unknown registration field(s): {', '.join(unknown)}")
        return replace(self, **clean)

    def public_lines(self) -> list[str]:
        """What the sandbox prints at start: the demo values (they are published, not secrets)."""
        return [
            f"application id   {self.application_id}",
            f"LWA client id    {self.client_id}",
            f"client secret    {self.client_secret}",
            f"redirect URI     {', '.join(self.redirect_uris)}",
            f"vendor code      {self.vendor_code}",
            f"refresh token    {self.refresh_token}",
        ]


DEMO = Registration()
