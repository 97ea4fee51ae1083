"""Encrypted store of the refresh tokens that selling partners granted through the website workflow.

One JSON file (`PL_AMAZON_TOKEN_STORE`, default `~/.local/share/pl-amazon/tokens.json`), mode 0600.
Partner metadata (vendor code, selling partner id, date) is kept in clear so `authorize list` works
without decrypting anything; each refresh token is a Fernet token (AES-128-CBC + HMAC-SHA256), so
the file never holds a token in clear.

The key comes from `PL_AMAZON_TOKEN_KEY`, else the system keyring (service `pl-amazon`, user
`token-key`, only when the optional `keyring` package is installed). Outside production mode — all
Amazon endpoints on loopback, i.e. the local sandbox — a missing key is generated into a key file
beside the store so the demo runs without setup; in production mode a missing key is an error.

`publish` and `pull` act for a partner through `TokenStore.open(settings).refresh_token_for(code)`
or `partner_settings(settings, code)`.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken

from transpiler.authorize.control_chars import escape_controls
from transpiler.config import Secret, Settings, default_token_store
from transpiler.errors import ConfigError

STORE_VERSION = 1
KEYRING_SERVICE = "pl-amazon"
KEYRING_USER = "token-key"
_PARTNER = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


def is_loopback_url(url: str) -> bool:
    """True when `url` points at this machine (the local sandbox), never at Amazon."""
    host = (urlsplit(url).hostname or "").lower()
    if host in _LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_production(settings: Settings, forced: bool = False) -> bool:
    """Production mode: forced (`--production`), or any Amazon endpoint that is not on loopback.

    Only a fully local setup (consent page and LWA both on 127.0.0.1/localhost, i.e. the sandbox)
    counts as non-production; anything that could reach real Amazon is production.
    """
    return forced or not (is_loopback_url(settings.consent_url) and is_loopback_url(settings.lwa_url))


def store_path(settings: Settings) -> Path:
    """The token store file (`load_settings` fills `token_store` from XDG_DATA_HOME when it is unset)."""
    return Path(settings.token_store).expanduser() if settings.token_store else default_token_store({})


def new_key() -> str:
    """A fresh Fernet key (urlsafe base64 of 32 random bytes) for PL_AMAZON_TOKEN_KEY."""
    return Fernet.generate_key().decode("ascii")


def _keyring_key() -> str | None:
    try:
        import keyring  # optional dependency
    except ImportError:
        return None
    try:
        return keyring.get_password(KEYRING_SERVICE, KEYRING_USER)
    except Exception:  # any keyring backend failure means "no key there"
        return None


def _fernet(raw: str, source: str) -> Fernet:
    try:
        return Fernet(raw.strip().encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise ConfigError(
            f"{source} is not a valid token key (expected 32 url-safe base64 bytes; "
            "create one with `pl-amazon authorize new-key`)"
        ) from exc


def resolve_key(settings: Settings, path: Path, production: bool) -> tuple[Fernet, str]:
    """The Fernet key for the store at `path` and where it came from.

    Raises ConfigError in production mode when neither the environment nor the keyring has a key.
    """
    if settings.token_key:
        return _fernet(settings.token_key.reveal(), "PL_AMAZON_TOKEN_KEY"), "PL_AMAZON_TOKEN_KEY"
    from_keyring = _keyring_key()
    if from_keyring:
        return _fernet(from_keyring, "the keyring entry pl-amazon/token-key"), "keyring"
    key_file = path.with_name(path.name + ".key")
    if production:
        raise ConfigError(
            "production mode needs a token encryption key: set PL_AMAZON_TOKEN_KEY "
            "(create one with `pl-amazon authorize new-key`) or store it in the system keyring "
            f"(service {KEYRING_SERVICE!r}, user {KEYRING_USER!r})"
        )
    if not key_file.exists():
        _write_private(key_file, new_key() + "\n")
    return _fernet(key_file.read_text(encoding="ascii"), str(key_file)), str(key_file)


def _write_private(path: Path, text: str) -> None:
    """Atomic write of a file only its owner can read."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class PartnerAlreadyBound(ConfigError):
    """A partner code already holds the token of another selling partner: it is never replaced
    silently (a typing mistake, or someone else's vendor code, would hijack the publications)."""

    def __init__(self, partner: str, bound_to: str, requested_by: str):
        self.partner = partner
        self.bound_to = bound_to
        self.requested_by = requested_by
        super().__init__(f"partner {partner!r} is already authorized by selling partner {bound_to!r}, not "
                         f"{requested_by!r}: revoke it first (`pl-amazon authorize revoke {partner}`)")


@dataclass(frozen=True)
class Partner:
    """A selling partner that authorized the app: what `authorize list` shows (never the token)."""

    partner: str  # vendor code for vendors, selling partner id for sellers
    selling_partner_id: str
    account_type: str  # "vendor" or "seller"
    authorized_at: str  # ISO 8601, UTC


class TokenStore:
    """Refresh tokens per partner, encrypted with one Fernet key, in one JSON file."""

    def __init__(self, path: Path, fernet: Fernet | None):
        self.path = path
        self._fernet = fernet
        self._lock = threading.Lock()

    @classmethod
    def open_without_key(cls, settings: Settings) -> TokenStore:
        """The store for listing and revoking partners only: no key needed, tokens stay sealed."""
        return cls(store_path(settings), None)

    def _key(self) -> Fernet:
        if self._fernet is None:
            raise ConfigError("this token store was opened without its key")
        return self._fernet

    @classmethod
    def open(cls, settings: Settings, production: bool | None = None) -> TokenStore:
        """The store named by the settings, with its key (see module docstring for the key rules)."""
        path = store_path(settings)
        fernet, _ = resolve_key(settings, path, is_production(settings) if production is None else production)
        return cls(path, fernet)

    # -- reading -----------------------------------------------------------------------------

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"version": STORE_VERSION, "partners": {}}
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{self.path}: unreadable token store: {exc}") from exc
        if not isinstance(data, dict) or not isinstance(data.get("partners"), dict):
            raise ConfigError(f"{self.path}: not a pl-amazon token store")
        return data

    def partners(self) -> list[Partner]:
        """Every authorized partner, sorted by partner code."""
        entries = self._load()["partners"]
        return [
            Partner(
                partner=escape_controls(name),
                selling_partner_id=escape_controls(str(entry.get("selling_partner_id", ""))),
                account_type=escape_controls(str(entry.get("account_type", ""))),
                authorized_at=escape_controls(str(entry.get("authorized_at", ""))),
            )
            for name, entry in sorted(entries.items())
        ]

    def refresh_token_for(self, partner: str) -> Secret:
        """The decrypted refresh token of `partner` (vendor code, or selling partner id for sellers).

        Raises ConfigError when the partner never authorized the app or the key does not fit.
        """
        entries = self._load()["partners"]
        entry = entries.get(partner.strip()) or entries.get(partner.strip().upper())
        if entry is None:
            known = ", ".join(p.partner for p in self.partners()) or "none"
            raise ConfigError(
                f"partner {partner!r} has not authorized the app (authorized: {known}); "
                "run `pl-amazon authorize serve` and let them connect"
            )
        try:
            return Secret(self._key().decrypt(entry["refresh_token"].encode("ascii")).decode("utf-8"))
        except (InvalidToken, KeyError, AttributeError) as exc:
            raise ConfigError(
                f"{self.path}: the token of partner {partner!r} cannot be decrypted with this key "
                "(wrong PL_AMAZON_TOKEN_KEY?)"
            ) from exc

    # -- writing -----------------------------------------------------------------------------

    @contextmanager
    def _editing(self) -> Iterator[dict[str, Any]]:
        with self._lock:
            data = self._load()
            yield data
            _write_private(self.path, json.dumps(data, indent=2, sort_keys=True) + "\n")

    def bound_to(self, partner: str) -> str | None:
        """The selling partner whose token `partner` holds (None when it holds none)."""
        entry = self._load()["partners"].get(partner)
        return None if entry is None else str(entry.get("selling_partner_id", ""))

    def save(self, partner: str, selling_partner_id: str, account_type: str, refresh_token: Secret) -> Partner:
        """Store the refresh token of `partner`, encrypted; a new token of the same selling partner
        replaces the old one. Raises PartnerAlreadyBound when `partner` holds another selling
        partner's token (revoke it first), ConfigError for an invalid partner code."""
        if not _PARTNER.match(partner):
            raise ConfigError(f"invalid partner code {escape_controls(partner)!r}")
        selling_partner_id = escape_controls(selling_partner_id)  # stored as shown, never interpreted
        record = Partner(
            partner=partner,
            selling_partner_id=selling_partner_id,
            account_type=account_type,
            authorized_at=datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        )
        encrypted = self._key().encrypt(refresh_token.reveal().encode("utf-8")).decode("ascii")
        with self._editing() as data:
            current = data["partners"].get(partner)
            if current is not None and str(current.get("selling_partner_id", "")) != selling_partner_id:
                raise PartnerAlreadyBound(partner, str(current.get("selling_partner_id", "")), selling_partner_id)
            data["version"] = STORE_VERSION
            data["partners"][partner] = {
                "selling_partner_id": record.selling_partner_id,
                "account_type": record.account_type,
                "authorized_at": record.authorized_at,
                "refresh_token": encrypted,
            }
        return record

    def revoke(self, partner: str) -> bool:
        """Forget `partner`'s token. True when there was one."""
        with self._editing() as data:
            entries = data["partners"]
            key = partner.strip() if partner.strip() in entries else partner.strip().upper()
            return entries.pop(key, None) is not None


def partner_settings(settings: Settings, partner: str | None) -> Settings:
    """Settings that act for `partner` (`--partner VENDOR_CODE`): its refresh token and seller id.

    Vendors are addressed by their vendor code as Listings `sellerId`; sellers by their selling
    partner id. `partner=None` returns `settings` unchanged (PL_AMAZON_REFRESH_TOKEN applies).
    Raises ConfigError when the partner never authorized the app or the key does not fit.
    """
    if partner is None:
        return settings
    store = TokenStore.open(settings)
    token = store.refresh_token_for(partner)
    seller_id = partner
    for record in store.partners():
        if record.partner == partner and record.account_type == "seller":
            seller_id = record.selling_partner_id
    return settings.with_overrides(refresh_token=token, seller_id=seller_id)
