"""The token key read from the system keyring (optional `keyring` extra).

An in-memory keyring backend stands in for the desktop keyring; the store code under test is the
real one and reaches it through keyring's public API.
"""

from __future__ import annotations

from pathlib import Path

import keyring
import pytest
from cryptography.fernet import Fernet
from keyring.backend import KeyringBackend

from transpiler.authorize.store import KEYRING_SERVICE, KEYRING_USER, TokenStore
from transpiler.config import Secret, Settings
from transpiler.errors import ConfigError


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.entries.pop((service, username), None)


@pytest.fixture
def memory_keyring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def _settings(tmp_path: Path) -> Settings:
    return Settings().with_overrides(
        token_store=str(tmp_path / "tokens.json"),
        consent_url="https://vendorcentral.amazon.fr",
        lwa_url="https://api.amazon.com/auth/o2/token",
    )


def test_production_store_uses_the_keyring_key(tmp_path: Path, memory_keyring: MemoryKeyring):
    key = Fernet.generate_key().decode()
    memory_keyring.set_password(KEYRING_SERVICE, KEYRING_USER, key)
    store = TokenStore.open(_settings(tmp_path), production=True)
    store.save("MODEL", "amzn1.vg.demo.MODEL", "vendor", Secret("Atzr|from-keyring-test"))
    raw = (tmp_path / "tokens.json").read_text()
    assert "Atzr|from-keyring-test" not in raw
    assert not (tmp_path / "tokens.json.key").exists()  # no key file next to the store
    reopened = TokenStore.open(_settings(tmp_path), production=True)
    assert reopened.refresh_token_for("MODEL").reveal() == "Atzr|from-keyring-test"
    # The token was encrypted with the keyring's key, not some other one.
    memory_keyring.set_password(KEYRING_SERVICE, KEYRING_USER, Fernet.generate_key().decode())
    with pytest.raises(ConfigError):
        TokenStore.open(_settings(tmp_path), production=True).refresh_token_for("MODEL")


def test_production_store_without_any_key_refuses(tmp_path: Path, memory_keyring: MemoryKeyring):
    with pytest.raises(ConfigError, match="keyring"):
        TokenStore.open(_settings(tmp_path), production=True)


def test_environment_key_wins_over_the_keyring(tmp_path: Path, memory_keyring: MemoryKeyring):
    memory_keyring.set_password(KEYRING_SERVICE, KEYRING_USER, "not a valid key")
    env_key = Fernet.generate_key().decode()
    settings = _settings(tmp_path).with_overrides(token_key=env_key)
    store = TokenStore.open(settings, production=True)
    store.save("MODEL", "amzn1.vg.demo.MODEL", "vendor", Secret("Atzr|env"))
    assert TokenStore.open(settings, production=True).refresh_token_for("MODEL").reveal() == "Atzr|env"
