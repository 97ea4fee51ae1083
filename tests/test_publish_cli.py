"""The `publish` command: exit codes and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from transpiler.cli import main
from transpiler.sandbox.runner import SandboxHandle

REPO = Path(__file__).resolve().parents[1]


def _env(handle: SandboxHandle, tmp: Path) -> dict[str, str]:
    reg = handle.registration
    return {"PL_AMAZON_SPAPI_URL": handle.url, "PL_AMAZON_LWA_URL": handle.lwa_url,
            "PL_AMAZON_CLIENT_ID": reg.client_id, "PL_AMAZON_CLIENT_SECRET": reg.client_secret,
            "PL_AMAZON_REFRESH_TOKEN": reg.refresh_token, "PL_AMAZON_SELLER_ID": reg.vendor_code,
            "XDG_CONFIG_HOME": str(tmp / "config"), "PL_AMAZON_CONFIG": ""}


def test_missing_vendor_code_is_one_line_exit_2(tmp_path: Path) -> None:
    env = {"PL_AMAZON_SELLER_ID": "", "XDG_CONFIG_HOME": str(tmp_path), "PL_AMAZON_CONFIG": ""}
    result = CliRunner().invoke(main, ["publish", str(REPO / "examples" / "items.xml"), "--out", str(tmp_path)],
                                env=env)
    assert result.exit_code == 2
    assert result.output.strip().startswith("error:") and "PL_AMAZON_SELLER_ID" in result.output
    assert "Traceback" not in result.output


def test_xml_bomb_is_a_file_error_and_secrets_stay_out(served_sandbox: SandboxHandle, tmp_path: Path) -> None:
    """The command reads the endpoint from the environment: the sandbox is on a socket."""
    sandbox = served_sandbox
    bomb = tmp_path / "bomb.xml"
    bomb.write_text('<?xml version="1.0"?><!DOCTYPE Table [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
                    '<Table key="AMAZON_FR"><Items><Item><Identifier key="SKU">&b;</Identifier></Item></Items>'
                    "</Table>", encoding="utf-8")
    result = CliRunner().invoke(main, ["publish", str(bomb), "--out", str(tmp_path / "out"), "--journal",
                                       str(tmp_path / "j.sqlite3"), "--json"], env=_env(sandbox, tmp_path))
    assert result.exit_code == 1
    summary = json.loads(result.stdout)
    assert summary["items"] == 0 and "DTD" in summary["fileErrors"][0]
    report = (tmp_path / "out" / "report.json").read_text(encoding="utf-8")
    assert "demo-secret" not in report and "Atzr|" not in report
