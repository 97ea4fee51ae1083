"""`pl-amazon sandbox` in the foreground: announces itself, serves, stops on SIGTERM; bad options exit 2."""

from __future__ import annotations

import re
import signal
import subprocess
import sys

import httpx
import pytest

from transpiler.sandbox import registration as demo

pytestmark = pytest.mark.subprocess


def test_sandbox_command_serves_and_stops_on_sigterm(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "transpiler.cli", "sandbox", "--port", "0", "--data", str(tmp_path),
         "--rate-limits", "off"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = process.stdout.readline()
        match = re.search(r"on (http://127\.0\.0\.1:\d+)", first)
        assert match, first
        url = match.group(1)
        announced = "".join(process.stdout.readline() for _ in range(8))
        assert demo.CLIENT_ID in announced and demo.VENDOR_CODE in announced
        for _ in range(100):
            try:
                assert httpx.get(f"{url}/_sandbox/health").json()["status"] == "ok"
                break
            except httpx.ConnectError:
                import time

                time.sleep(0.05)
        else:
            raise AssertionError("the sandbox never answered")
        token = httpx.post(f"{url}/auth/o2/token", data={
            "grant_type": "refresh_token", "refresh_token": demo.REFRESH_TOKEN,
            "client_id": demo.CLIENT_ID, "client_secret": demo.CLIENT_SECRET})
        assert token.json()["access_token"].startswith("Atza|")
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0, stderr
    assert (tmp_path / "sandbox.sqlite3").exists()
    assert "Traceback" not in stderr


def test_bad_options_exit_with_one_line(tmp_path):
    for args in (["--faults", "teapot=1"], ["--rate-limits", "sometimes"]):
        result = subprocess.run([sys.executable, "-m", "transpiler.cli", "sandbox", "--data", str(tmp_path), *args],
                                capture_output=True, text=True, timeout=30)
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert "teapot" in result.stderr or "sometimes" in result.stderr
