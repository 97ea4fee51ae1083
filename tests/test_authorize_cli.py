"""`pl-amazon authorize list / revoke / new-key / serve` through the real click entry point."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from cryptography.fernet import Fernet

from transpiler.authorize.store import TokenStore, new_key
from transpiler.cli import main
from transpiler.config import Secret, load_settings


def env_for(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "PL_AMAZON_CONFIG": "",
        "XDG_CONFIG_HOME": str(tmp_path / "no-config"),
        "PL_AMAZON_CONSENT_URL": "http://127.0.0.1:9",
        "PL_AMAZON_LWA_URL": "http://127.0.0.1:9/auth/o2/token",
        "PL_AMAZON_TOKEN_STORE": str(tmp_path / "tokens.json"),
        "PL_AMAZON_TOKEN_KEY": extra.pop("key", new_key()),
        **extra,
    }


def test_list_and_revoke(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    store = TokenStore.open(load_settings(environ=env))
    store.save("MODEL", "amzn1.vg.demo.MODEL", "vendor", Secret("Atzr|cli-secret-token"))
    runner = CliRunner()

    listed = runner.invoke(main, ["authorize", "list"], env=env)
    assert listed.exit_code == 0, listed.output
    assert "MODEL" in listed.output
    assert "amzn1.vg.demo.MODEL" in listed.output
    assert "cli-secret-token" not in listed.output

    as_json = json.loads(runner.invoke(main, ["authorize", "list", "--json"], env=env).output)
    assert [p["partner"] for p in as_json] == ["MODEL"]
    assert all("refresh_token" not in p for p in as_json)

    revoked = runner.invoke(main, ["authorize", "revoke", "MODEL"], env=env)
    assert revoked.exit_code == 0
    assert "Manage your apps" in revoked.output
    assert TokenStore.open(load_settings(environ=env)).partners() == []

    again = runner.invoke(main, ["authorize", "revoke", "MODEL"], env=env)
    assert again.exit_code == 2
    assert again.output.strip() == "error: no stored token for partner 'MODEL'"


def test_list_and_revoke_need_no_key_even_in_production(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    TokenStore.open(load_settings(environ=env)).save("MODEL", "sp", "vendor", Secret("Atzr|t"))
    production = {**env, "PL_AMAZON_TOKEN_KEY": "", "PL_AMAZON_CONSENT_URL": "https://vendorcentral.amazon.fr"}
    runner = CliRunner()
    listed = runner.invoke(main, ["authorize", "list"], env=production)
    assert listed.exit_code == 0, listed.output
    assert "MODEL" in listed.output
    assert runner.invoke(main, ["authorize", "revoke", "MODEL"], env=production).exit_code == 0
    assert TokenStore.open(load_settings(environ=env)).partners() == []
    assert not (tmp_path / "tokens.json.key").exists()


def test_new_key_prints_a_usable_fernet_key() -> None:
    result = CliRunner().invoke(main, ["authorize", "new-key"])
    key = result.output.strip()
    assert Fernet(key.encode()).decrypt(Fernet(key.encode()).encrypt(b"x")) == b"x"


def test_serve_refuses_production_without_key_or_redirect(tmp_path: Path) -> None:
    env = env_for(
        tmp_path,
        key="",
        PL_AMAZON_CONSENT_URL="https://vendorcentral.amazon.fr",
        PL_AMAZON_LWA_URL="https://api.amazon.com/auth/o2/token",
        PL_AMAZON_APPLICATION_ID="amzn1.sp.solution.x",
        PL_AMAZON_CLIENT_ID="amzn1.application-oa2-client.x",
        PL_AMAZON_CLIENT_SECRET="s",
        PL_AMAZON_REDIRECT_URI="https://pl.example.com/amazon/callback",
    )
    result = CliRunner().invoke(main, ["authorize", "serve", "--port", "0"], env=env)
    assert result.exit_code == 2
    assert "production mode needs a token encryption key" in result.output
    assert not (tmp_path / "tokens.json").exists()
    assert not (tmp_path / "tokens.json.key").exists()

    no_redirect = {**env, "PL_AMAZON_REDIRECT_URI": "", "PL_AMAZON_TOKEN_KEY": new_key()}
    result = CliRunner().invoke(main, ["authorize", "serve", "--port", "0"], env=no_redirect)
    assert result.exit_code == 2
    assert "PL_AMAZON_REDIRECT_URI" in result.output
