"""The `publish` command: exit codes and one-line errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
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
    text = CliRunner().invoke(main, ["publish", str(bomb), "--out", str(tmp_path / "text"), "--journal",
                                     str(tmp_path / "j2.sqlite3")], env=_env(sandbox, tmp_path))
    assert text.exit_code == 1  # without --json: the summary, then the files written
    assert f"accusés : {tmp_path / 'text' / 'acknowledgements.xml'}  rapport : " in text.stdout
    assert "demo-secret" not in text.output and "Atzr|" not in text.output


@pytest.mark.parametrize("kind", ["fifo", "device", "folder"])
def test_export_that_is_not_a_regular_file_is_one_line_exit_2(tmp_path: Path, kind: str) -> None:
    """A FIFO would block and /dev/zero never end: refused at once, before any request."""
    path = {"fifo": tmp_path / "fifo", "device": Path("/dev/zero"), "folder": tmp_path}[kind]
    if kind == "fifo":
        os.mkfifo(path)
    env = {"PL_AMAZON_SELLER_ID": "MODEL", "XDG_CONFIG_HOME": str(tmp_path / "config"), "PL_AMAZON_CONFIG": "",
           "PL_AMAZON_SPAPI_URL": "http://127.0.0.1:9", "PL_AMAZON_LWA_URL": "http://127.0.0.1:9/auth/o2/token"}
    result = CliRunner().invoke(main, ["publish", str(path), "--out", str(tmp_path / "out"), "--journal",
                                       str(tmp_path / "j.sqlite3")], env=env)
    assert result.exit_code == 2, result.output
    [line] = result.output.strip().splitlines()
    assert line.startswith("error: ") and "Traceback" not in result.output
    assert not (tmp_path / "j.sqlite3").exists()


def test_workers_below_one_is_one_line_exit_2(tmp_path: Path) -> None:
    env = {"PL_AMAZON_SELLER_ID": "MODEL", "XDG_CONFIG_HOME": str(tmp_path / "config"), "PL_AMAZON_CONFIG": ""}
    result = CliRunner().invoke(main, ["publish", str(REPO / "examples" / "items.xml"), "--out", str(tmp_path / "out"),
                                       "--workers", "0"], env=env)
    assert result.exit_code == 2
    [line] = result.output.strip().splitlines()
    assert line.startswith("error: ") and "--workers" in line and "range" in line
    assert not (tmp_path / "out").exists()
