"""Token store: encryption at rest, key rules (production vs sandbox), partners, revoke."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from transpiler.authorize.store import TokenStore, is_loopback_url, is_production, new_key, partner_settings
from transpiler.config import Secret, Settings
from transpiler.errors import ConfigError

TOKEN = "Atzr|IwEBIA-a-long-refresh-token-value-0123456789"
SANDBOX = {"consent_url": "http://127.0.0.1:9999", "lwa_url": "http://127.0.0.1:9999/auth/o2/token"}


def settings(tmp_path: Path, **extra: str) -> Settings:
    return Settings().with_overrides(token_store=str(tmp_path / "store" / "tokens.json"), **{**SANDBOX, **extra})


def test_token_is_encrypted_at_rest_and_round_trips(tmp_path: Path) -> None:
    key = new_key()
    store = TokenStore.open(settings(tmp_path, token_key=key))
    store.save("MODEL", "amzn1.vg.demo.MODEL", "vendor", Secret(TOKEN))

    raw = store.path.read_text(encoding="utf-8")
    assert TOKEN not in raw
    assert "IwEBIA" not in raw
    assert "MODEL" in raw  # metadata stays readable for `authorize list`
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600

    reopened = TokenStore.open(settings(tmp_path, token_key=key))
    assert reopened.refresh_token_for("MODEL").reveal() == TOKEN
    assert reopened.refresh_token_for("model").reveal() == TOKEN  # vendor codes are case-insensitive
    assert isinstance(reopened.refresh_token_for("MODEL"), Secret)
    # The stored value really is a Fernet token for this key.
    import json

    stored = json.loads(raw)["partners"]["MODEL"]["refresh_token"]
    assert Fernet(key.encode()).decrypt(stored.encode()).decode() == TOKEN


def test_wrong_key_cannot_read_tokens(tmp_path: Path) -> None:
    TokenStore.open(settings(tmp_path, token_key=new_key())).save("MODEL", "sp", "vendor", Secret(TOKEN))
    other = TokenStore.open(settings(tmp_path, token_key=new_key()))
    with pytest.raises(ConfigError, match="cannot be decrypted"):
        other.refresh_token_for("MODEL")


def test_invalid_key_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="PL_AMAZON_TOKEN_KEY is not a valid token key"):
        TokenStore.open(settings(tmp_path, token_key="not-a-fernet-key"))


def test_production_refuses_to_start_without_a_key(tmp_path: Path) -> None:
    real_amazon = settings(
        tmp_path, consent_url="https://vendorcentral.amazon.fr", lwa_url="https://api.amazon.com/auth/o2/token"
    )
    with pytest.raises(ConfigError, match="production mode needs a token encryption key"):
        TokenStore.open(real_amazon)
    with pytest.raises(ConfigError, match="production mode"):
        TokenStore.open(settings(tmp_path), production=True)
    assert not (tmp_path / "store").exists()


def test_sandbox_mode_generates_a_private_key_file_once(tmp_path: Path) -> None:
    first = TokenStore.open(settings(tmp_path))
    first.save("MODEL", "sp", "vendor", Secret(TOKEN))
    key_file = first.path.with_name("tokens.json.key")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert TokenStore.open(settings(tmp_path)).refresh_token_for("MODEL").reveal() == TOKEN


def test_partners_list_revoke_and_unknown_partner(tmp_path: Path) -> None:
    store = TokenStore.open(settings(tmp_path, token_key=new_key()))
    assert store.partners() == []
    store.save("ZZZZZ", "amzn1.vg.z", "vendor", Secret("t1"))
    store.save("MODEL", "amzn1.vg.m", "vendor", Secret("t2"))
    assert [(p.partner, p.selling_partner_id, p.account_type) for p in store.partners()] == [
        ("MODEL", "amzn1.vg.m", "vendor"),
        ("ZZZZZ", "amzn1.vg.z", "vendor"),
    ]
    assert store.partners()[0].authorized_at.endswith("Z")
    assert store.revoke("ZZZZZ") is True
    assert store.revoke("ZZZZZ") is False
    with pytest.raises(ConfigError, match=r"'ZZZZZ' has not authorized the app \(authorized: MODEL\)"):
        store.refresh_token_for("ZZZZZ")


def test_save_rejects_partner_codes_that_are_not_identifiers(tmp_path: Path) -> None:
    store = TokenStore.open(settings(tmp_path, token_key=new_key()))
    with pytest.raises(ConfigError, match="invalid partner code"):
        store.save("../x", "sp", "vendor", Secret("t"))
    assert not store.path.exists()


def test_corrupt_store_is_a_config_error(tmp_path: Path) -> None:
    s = settings(tmp_path, token_key=new_key())
    path = Path(s.token_store)
    path.parent.mkdir(parents=True)
    path.write_text("[1, 2]")
    with pytest.raises(ConfigError, match="not a pl-amazon token store"):
        TokenStore.open(s).partners()


def test_partner_settings_act_for_the_vendor(tmp_path: Path) -> None:
    s = settings(tmp_path, token_key=new_key())
    store = TokenStore.open(s)
    store.save("MODEL", "amzn1.vg.m", "vendor", Secret("vendor-token"))
    store.save("A1SELLER", "A1SELLER", "seller", Secret("seller-token"))
    vendor = partner_settings(s, "MODEL")
    assert vendor.refresh_token.reveal() == "vendor-token"
    assert vendor.seller_id == "MODEL"
    seller = partner_settings(s, "A1SELLER")
    assert (seller.refresh_token.reveal(), seller.seller_id) == ("seller-token", "A1SELLER")


@pytest.mark.parametrize(
    ("consent", "lwa", "forced", "expected"),
    [
        ("http://127.0.0.1:8000", "http://localhost:8000/auth/o2/token", False, False),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000/auth/o2/token", True, True),
        ("https://vendorcentral.amazon.fr", "http://127.0.0.1:8000/auth/o2/token", False, True),
        ("http://127.0.0.1:8000", "https://api.amazon.com/auth/o2/token", False, True),
        ("http://127.0.0.1.evil.example", "http://127.0.0.1:1/auth/o2/token", False, True),
    ],
)
def test_production_mode_is_anything_not_fully_local(consent: str, lwa: str, forced: bool, expected: bool) -> None:
    s = Settings().with_overrides(consent_url=consent, lwa_url=lwa)
    assert is_production(s, forced=forced) is expected


def test_loopback_detection() -> None:
    assert is_loopback_url("http://[::1]:80/x")
    assert not is_loopback_url("https://sellercentral-europe.amazon.com")
