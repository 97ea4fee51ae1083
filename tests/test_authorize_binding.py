"""A vendor code is bound to one selling partner; whatever a request carries cannot forge a log line.

- A vendor code already holding a selling partner's token is not rebound to another one (a typing
  mistake, or someone else's code, would hijack the publications): a French page says so and how
  an operator revokes first; the same selling partner re-authorizing still replaces its token.
- Control characters from requests (the callback's selling_partner_id, the path) are escaped in
  every log line, the access log included, and in what the token store keeps and lists.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from tests.test_authorize_app import lwa_granting, make_client, make_settings, problem_key, vendor_form
from transpiler.authorize.control_chars import escape_controls
from transpiler.authorize.store import PartnerAlreadyBound, TokenStore, new_key
from transpiler.cli import main
from transpiler.config import Secret

KEY = new_key()  # one token key for every app of a test: they share one store


def _app(tmp_path: Path, token: str) -> tuple[TestClient, TokenStore]:
    """The app with its store under tmp_path, LWA answering `token`."""
    return make_client(tmp_path, lwa=lwa_granting(token), token_key=KEY)


def _connect(client: TestClient, selling_partner_id: str, vendor_code: str) -> httpx.Response:
    """The whole vendor flow: consent, callback, vendor code form."""
    _, pending = vendor_form(client, selling_partner_id)
    return client.post("/amazon/partner", data={"pending": pending, "vendor_code": vendor_code})


def test_a_vendor_code_of_another_selling_partner_is_refused(tmp_path: Path) -> None:
    client, store = _app(tmp_path, "Atzr|first")
    assert _connect(client, "A1FIRST", "MODEL").status_code == 200
    other, _ = _app(tmp_path, "Atzr|second")
    refused = _connect(other, "A2OTHER", "MODEL")
    assert refused.status_code == 409 and problem_key(refused) == "partner_bound"
    text = refused.text.replace("&#39;", "'").replace("&amp;", "&")
    assert "pl-amazon authorize revoke" in text and "Rien n'a été enregistré" in text
    assert store.refresh_token_for("MODEL").reveal() == "Atzr|first"
    assert [(p.partner, p.selling_partner_id) for p in store.partners()] == [("MODEL", "A1FIRST")]


def test_the_same_selling_partner_may_authorize_again(tmp_path: Path) -> None:
    client, store = _app(tmp_path, "Atzr|first")
    assert _connect(client, "A1FIRST", "MODEL").status_code == 200
    again, _ = _app(tmp_path, "Atzr|renewed")
    assert _connect(again, "A1FIRST", "MODEL").status_code == 200
    assert store.refresh_token_for("MODEL").reveal() == "Atzr|renewed"


def test_after_a_revoke_the_code_can_be_bound_again(tmp_path: Path) -> None:
    client, store = _app(tmp_path, "Atzr|first")
    assert _connect(client, "A1FIRST", "MODEL").status_code == 200
    env = {"PL_AMAZON_TOKEN_STORE": str(store.path), "PL_AMAZON_CONFIG": ""}
    revoked = CliRunner().invoke(main, ["authorize", "revoke", "MODEL"], env=env)
    assert revoked.exit_code == 0, revoked.output
    other, _ = _app(tmp_path, "Atzr|second")
    assert _connect(other, "A2OTHER", "MODEL").status_code == 200
    assert store.refresh_token_for("MODEL").reveal() == "Atzr|second"


def test_the_store_itself_never_rebinds(tmp_path: Path) -> None:
    store = TokenStore.open(make_settings(tmp_path, token_key=KEY))
    store.save("MODEL", "A1FIRST", "vendor", Secret("Atzr|first"))
    with pytest.raises(PartnerAlreadyBound) as caught:
        store.save("MODEL", "A2OTHER", "vendor", Secret("Atzr|second"))
    assert (caught.value.partner, caught.value.bound_to, caught.value.requested_by) == ("MODEL", "A1FIRST", "A2OTHER")
    assert caught.value.exit_code == 2 and "authorize revoke MODEL" in caught.value.one_line()
    assert store.refresh_token_for("MODEL").reveal() == "Atzr|first"


# -- control characters ----------------------------------------------------------------------------

HOSTILE_ID = "A1\nINFO transpiler.authorize: refresh token stored for vendor EVIL\x1b[2J\u2028\u202e"


def test_control_characters_in_a_request_are_escaped_in_every_log_line(tmp_path: Path,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    client, _ = _app(tmp_path, "Atzr|r")
    with caplog.at_level(logging.INFO):
        assert _connect(client, HOSTILE_ID, "MODEL").status_code == 200
        client.get("/nowhere%0aINFO%20forged%1b[31m")  # the access log writes the path
    lines = [record.getMessage() for record in caplog.records if record.name.startswith("transpiler.authorize")]
    assert any("/nowhere" in line for line in lines)  # the access log line was written...
    for line in lines:  # ...and no line holds a raw control character
        assert escape_controls(line) == line, repr(line)
    assert any("\\x0a" in line for line in lines) and any("\\x1b" in line for line in lines)


def test_control_characters_are_escaped_in_the_store_and_in_authorize_list(tmp_path: Path) -> None:
    client, store = _app(tmp_path, "Atzr|r")
    assert _connect(client, HOSTILE_ID, "MODEL").status_code == 200
    kept = json.loads(store.path.read_text(encoding="utf-8"))["partners"]["MODEL"]["selling_partner_id"]
    assert kept == escape_controls(HOSTILE_ID) and "\n" not in kept and "\x1b" not in kept
    env = {"PL_AMAZON_TOKEN_STORE": str(store.path), "PL_AMAZON_CONFIG": ""}
    for args in (["authorize", "list"], ["authorize", "list", "--json"]):
        listed = CliRunner().invoke(main, args, env=env)
        assert listed.exit_code == 0
        assert "\x1b" not in listed.output and "\u202e" not in listed.output
    # the same selling partner, coming back with the same id, is still recognised
    again, _ = _app(tmp_path, "Atzr|r2")
    assert _connect(again, HOSTILE_ID, "MODEL").status_code == 200
