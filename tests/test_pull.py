"""`pl-amazon pull` against the local SP-API sandbox: the real client, the real server (in process, and
over loopback for the command line)."""

from __future__ import annotations

import json
import logging
import random
import re
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import ASSETS
from tests.sandbox_fixtures import client_for as sandbox_client
from transpiler.amazon.definitions import md5_base64
from transpiler.cli import main
from transpiler.compiler.loading import load_product_type
from transpiler.config import Secret, Settings
from transpiler.errors import UnknownProductTypeError
from transpiler.pull.fetch import pull
from transpiler.sandbox.registration import DEMO
from transpiler.sandbox.runner import SandboxHandle, open_sandbox, start_sandbox
from transpiler.spapi import ChecksumMismatchError, LwaError, NetworkError, RetryPolicy, client_from_settings

SAMPLES = ("CELLULAR_PHONE", "CELLULAR_PHONE_CASE", "HEADPHONES")
MARKET, LOCALE = "A13V1IB3VIYZZH", "fr_FR"


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    """One in-process sandbox serving the committed sample definitions (read only) for this module."""
    handle = open_sandbox(definitions=ASSETS.parents[1], data=tmp_path_factory.mktemp("sandbox-data"))
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    """The same on a loopback port, for the command line (it reads the endpoint from the environment)."""
    handle = start_sandbox(port=0, definitions=ASSETS.parents[1], data=tmp_path_factory.mktemp("served-data"))
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture(autouse=True)
def calm(sandbox: SandboxHandle) -> Iterator[None]:
    """Every test starts and ends with a well-behaved sandbox."""
    admin(sandbox, "faults", {})
    yield
    admin(sandbox, "faults", {})


def admin(sandbox: SandboxHandle, what: str, body: dict | None = None) -> dict:
    return sandbox.admin("POST", what, body if body is not None else {})


def settings_for(sandbox: SandboxHandle, **overrides: object) -> Settings:
    return Settings(
        spapi_url=sandbox.url,
        lwa_url=sandbox.lwa_url,
        client_id=DEMO.client_id,
        client_secret=Secret(DEMO.client_secret),
        refresh_token=Secret(DEMO.refresh_token),
        seller_id=DEMO.vendor_code,
    ).with_overrides(**overrides)


def fast_retry(attempts: int = 12) -> RetryPolicy:
    return RetryPolicy(max_attempts=attempts, base_delay=0.01, max_delay=0.05, rng=random.Random(5))


def client_for(sandbox: SandboxHandle, **overrides: object):
    """The real client on the sandbox; its retry and rate-limit waits advance the sandbox clock."""
    return sandbox_client(sandbox, settings=settings_for(sandbox, **overrides), retry=fast_retry())


def tree(root: Path) -> dict[str, bytes]:
    """Every file under root with its bytes (the whole observable state of an assets folder)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def run_pull(sandbox: SandboxHandle, assets: Path, names=SAMPLES, **kwargs: object):
    with client_for(sandbox) as client:
        return pull(client, names, assets_root=assets, marketplace_id=MARKET, locale=LOCALE, **kwargs), client


def test_full_pull_of_the_sample_types(sandbox: SandboxHandle, tmp_path: Path) -> None:
    result, _ = run_pull(sandbox, tmp_path)
    folder = tmp_path / MARKET / LOCALE
    assert [(t.name, t.status) for t in result.types] == [(n, "new") for n in SAMPLES]
    sample_manifest = json.loads((ASSETS / "manifest.json").read_text())["product_types"]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert (manifest["marketplace_id"], manifest["locale"]) == (MARKET, LOCALE)
    for name in SAMPLES:
        data = (folder / f"{name}.json").read_bytes()
        assert data == (ASSETS / f"{name}.json").read_bytes()  # byte for byte as served
        entry = manifest["product_types"][name]
        assert entry["checksum"] == md5_base64(data) == sample_manifest[name]["checksum"]
        assert entry["version"] == sample_manifest[name]["version"]
        assert entry["requirements"] == "LISTING_PRODUCT_ONLY"
        assert (entry["schema"], entry["definition"]) == (f"{name}.json", f"{name}.definition.json")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", entry["fetched_at"])
        envelope = json.loads((folder / f"{name}.definition.json").read_text())
        assert envelope["productType"] == name and envelope["locale"] == LOCALE
        assert envelope["schema"] == {"link": {"resource": f"{name}.json", "verb": "GET"},
                                      "checksum": entry["checksum"]}
        meta = folder / envelope["metaSchema"]["link"]["resource"]
        assert md5_base64(meta.read_bytes()) == envelope["metaSchema"]["checksum"]
        # what was pulled compiles, and the compiler sees Amazon's name, version and checksum
        compiled = load_product_type(folder / f"{name}.json")
        assert (compiled.name, compiled.version) == (name, entry["version"])
    assert not [p for p in folder.rglob("*") if p.name.endswith(".tmp")]


def test_a_rerun_pulls_nothing_and_writes_nothing(sandbox: SandboxHandle, tmp_path: Path) -> None:
    run_pull(sandbox, tmp_path)
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}
    contents = tree(tmp_path)
    result, _ = run_pull(sandbox, tmp_path)
    assert [t.status for t in result.types] == ["unchanged"] * 3
    assert result.written == []
    assert tree(tmp_path) == contents
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()} == before


def test_without_names_the_manifest_types_are_refreshed_and_all_lists_the_marketplace(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    run_pull(sandbox, tmp_path, names=("HEADPHONES",))
    result, _ = run_pull(sandbox, tmp_path, names=())
    assert [(t.name, t.status) for t in result.types] == [("HEADPHONES", "unchanged")]
    result, _ = run_pull(sandbox, tmp_path, names=(), all_types=True)
    assert {t.name: t.status for t in result.types} == {
        "CELLULAR_PHONE": "new", "CELLULAR_PHONE_CASE": "new", "HEADPHONES": "unchanged"}
    result, _ = run_pull(sandbox, tmp_path / "search", names=(), search="headphones")
    assert [t.name for t in result.types] == ["HEADPHONES"]


def test_a_429_storm_still_ends_with_every_type_pulled(
    sandbox: SandboxHandle, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="transpiler.spapi")
    admin(sandbox, "faults", {"429": 0.6, "503": 0.15, "500": 0.05, "drop": 0.05, "seed": 11})
    result, _ = run_pull(sandbox, tmp_path, workers=3)
    admin(sandbox, "faults", {})
    assert caplog.text.count("HTTP 429") >= 3  # the storm happened...
    assert [t.status for t in result.types] == ["new"] * 3  # ...and every type came through
    for name in SAMPLES:
        assert (tmp_path / MARKET / LOCALE / f"{name}.json").read_bytes() == (ASSETS / f"{name}.json").read_bytes()


def test_a_corrupted_download_is_detected_and_nothing_is_written(sandbox: SandboxHandle, tmp_path: Path) -> None:
    run_pull(sandbox, tmp_path, names=("HEADPHONES",))
    before = tree(tmp_path)
    admin(sandbox, "faults", {"corrupt_schema": 1.0})
    with pytest.raises(ChecksumMismatchError) as info:
        run_pull(sandbox, tmp_path)
    assert info.value.product_type in {"CELLULAR_PHONE", "CELLULAR_PHONE_CASE"}
    assert info.value.expected != info.value.actual
    assert tree(tmp_path) == before


def test_a_token_expiring_mid_run_is_refreshed(sandbox: SandboxHandle, tmp_path: Path) -> None:
    with client_for(sandbox) as client:
        pull(client, ["HEADPHONES"], assets_root=tmp_path, marketplace_id=MARKET, locale=LOCALE)
        assert client.auth.refreshes == 1
        admin(sandbox, "expire-tokens")  # the cached token is still "valid" for the client
        result = pull(client, SAMPLES, assets_root=tmp_path, marketplace_id=MARKET, locale=LOCALE, workers=3)
        assert client.auth.refreshes == 2  # one refresh shared by the concurrent workers
    assert {t.name: t.status for t in result.types}["CELLULAR_PHONE"] == "new"


def test_unknown_product_type_leaves_assets_untouched(sandbox: SandboxHandle, tmp_path: Path) -> None:
    run_pull(sandbox, tmp_path, names=("HEADPHONES",))
    before = tree(tmp_path)
    with pytest.raises(UnknownProductTypeError) as info:
        run_pull(sandbox, tmp_path, names=("HEADPHONES", "FLYING_CARPET"))
    assert info.value.product_type == "FLYING_CARPET"
    assert tree(tmp_path) == before


def test_network_down_is_a_network_error(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = Settings(spapi_url=f"http://127.0.0.1:{port}", lwa_url=f"http://127.0.0.1:{port}/auth/o2/token",
                        client_id="x", client_secret=Secret("y" * 20), refresh_token=Secret("z" * 20))
    with client_from_settings(settings, retry=fast_retry(3)) as client, pytest.raises(NetworkError) as info:
        pull(client, ["HEADPHONES"], assets_root=tmp_path, marketplace_id=MARKET, locale=LOCALE)
    assert info.value.attempts == 3 and f"127.0.0.1:{port}" in info.value.one_line()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("override", "error"), [({"client_secret": "wrong-secret"}, "invalid_client"),
                                                 ({"refresh_token": "Atzr|revoked"}, "invalid_grant")])
def test_refused_credentials(sandbox: SandboxHandle, tmp_path: Path, override: dict, error: str) -> None:
    with client_for(sandbox, **override) as client, pytest.raises(LwaError) as info:
        pull(client, ["HEADPHONES"], assets_root=tmp_path, marketplace_id=MARKET, locale=LOCALE)
    assert info.value.error == error
    assert list(tmp_path.iterdir()) == []


def cli_env(sandbox: SandboxHandle, **extra: str) -> dict[str, str]:
    return {
        "PL_AMAZON_SPAPI_URL": sandbox.url,
        "PL_AMAZON_LWA_URL": sandbox.lwa_url,
        "PL_AMAZON_CLIENT_ID": DEMO.client_id,
        "PL_AMAZON_CLIENT_SECRET": DEMO.client_secret,
        "PL_AMAZON_REFRESH_TOKEN": DEMO.refresh_token,
        "PL_AMAZON_SELLER_ID": DEMO.vendor_code,
        "PL_AMAZON_CONFIG": "",
        **extra,
    }


@pytest.mark.socket
def test_cli_errors_are_one_line_with_exit_code_2(served: SandboxHandle, tmp_path: Path) -> None:
    sandbox = served
    runner = CliRunner()
    for args, env, expected in (
        (["FLYING_CARPET"], cli_env(sandbox), "unknown product type 'FLYING_CARPET' on marketplace A13V1IB3VIYZZH"),
        (["--search", "zeppelin"], cli_env(sandbox), "Amazon found no product type for 'zeppelin'"),
        (["HEADPHONES"], cli_env(sandbox, PL_AMAZON_CLIENT_SECRET="nope-nope"), "PL_AMAZON_CLIENT_SECRET"),
        (["HEADPHONES"], cli_env(sandbox, PL_AMAZON_REFRESH_TOKEN="Atzr|nope"), "PL_AMAZON_REFRESH_TOKEN"),
    ):
        result = runner.invoke(main, ["pull", "--assets", str(tmp_path), *args], env=env)
        assert result.exit_code == 2, result.output
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0]
        assert "Traceback" not in result.output and DEMO.client_secret not in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.socket
def test_cli_pull_prints_the_summary_and_the_diff_of_a_changed_type(served: SandboxHandle, tmp_path: Path) -> None:
    sandbox = served
    assets = tmp_path / "assets"
    runner = CliRunner()
    first = runner.invoke(main, ["pull", "--assets", str(assets), *SAMPLES], env=cli_env(sandbox))
    assert first.exit_code == 0, first.output
    assert "3 new, 0 updated, 0 unchanged" in first.output
    for name in SAMPLES:
        assert name in first.output

    # Amazon ships a new HEADPHONES version: one attribute more, one option less
    definitions = tmp_path / "amazon-next"
    shutil.copytree(ASSETS.parents[1], definitions)
    folder = definitions / MARKET / LOCALE
    schema = json.loads((folder / "HEADPHONES.json").read_text())
    schema["properties"]["cable_length"] = json.loads(json.dumps(schema["properties"]["model_name"]))
    schema["required"] = [*schema["required"], "cable_length"]
    (folder / "HEADPHONES.json").write_text(json.dumps(schema))
    envelope = json.loads((folder / "HEADPHONES.definition.json").read_text())
    envelope["productTypeVersion"]["version"] = "UNEXTVERSION"
    (folder / "HEADPHONES.definition.json").write_text(json.dumps(envelope))
    next_amazon = start_sandbox(port=0, definitions=definitions, data=tmp_path / "next-data")
    try:
        second = runner.invoke(main, ["pull", "--assets", str(assets)], env=cli_env(next_amazon))
        as_json = runner.invoke(main, ["pull", "--assets", str(tmp_path / "fresh"), "--json", "HEADPHONES"],
                                env=cli_env(next_amazon))
    finally:
        next_amazon.stop()
    assert second.exit_code == 0, second.output
    assert "0 new, 1 updated, 2 unchanged" in second.output
    assert "HEADPHONES: version " in second.output and "-> UNEXTVERSION" in second.output
    assert "attributes added (1):\n    cable_length" in second.output
    assert "now required (1):\n    cable_length" in second.output
    manifest = json.loads((assets / MARKET / LOCALE / "manifest.json").read_text())
    assert manifest["product_types"]["HEADPHONES"]["version"] == "UNEXTVERSION"
    assert json.loads(as_json.output)["product_types"][0]["status"] == "new"


def test_no_secret_reaches_the_logs_in_a_whole_run(
    sandbox: SandboxHandle, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    admin(sandbox, "faults", {"429": 0.3, "seed": 2})
    with client_for(sandbox) as client:
        pull(client, SAMPLES[:1], assets_root=tmp_path, marketplace_id=MARKET, locale=LOCALE)
        first_token = client.auth.current_token().reveal()
        admin(sandbox, "expire-tokens")
        pull(client, SAMPLES, assets_root=tmp_path, marketplace_id=MARKET, locale=LOCALE)
        second_token = client.auth.current_token().reveal()
    assert first_token != second_token
    text = caplog.text
    assert "getDefinitionsProductType" in text  # the run was logged...
    for secret in (DEMO.client_secret, DEMO.refresh_token, first_token, second_token, "X-Amz-Signature"):
        assert secret not in text  # ...without any secret


def test_progress_bar_and_summary_table_render(sandbox: SandboxHandle, tmp_path: Path) -> None:
    import io

    from rich.console import Console

    from transpiler.pull.report import RichProgress, render_result

    stream = io.StringIO()
    console = Console(file=stream, force_terminal=True, width=160)
    progress = RichProgress(console)
    try:
        result, _ = run_pull(sandbox, tmp_path, progress=progress)
        assert progress.completed == 3
    finally:
        progress.stop()
    assert "pulling" in stream.getvalue()
    table = io.StringIO()
    render_result(result, Console(file=table, width=200))
    rows = [line for line in table.getvalue().splitlines() if any(name in line for name in SAMPLES)]
    assert len(rows) == 3 and all("new" in row and "first pull" in row for row in rows)


def test_client_side_buckets_keep_a_busy_run_within_amazons_limits(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Six pulls back to back (18 getDefinitionsProductType, burst 5 at 5/s) without a single 429.

    A fresh sandbox: a new client cannot know how much of Amazon's bucket earlier runs used.
    """
    caplog.set_level(logging.INFO, logger="transpiler.spapi")
    fresh = open_sandbox(definitions=ASSETS.parents[1], data=tmp_path / "data")
    try:
        with client_for(fresh) as client:
            for _ in range(6):
                pull(client, SAMPLES, assets_root=tmp_path / "assets", marketplace_id=MARKET, locale=LOCALE,
                     workers=3)
            state = client.transport.limiter.state("getDefinitionsProductType")
            assert state.observed == 5.0  # the sandbox's x-amzn-RateLimit-Limit agrees with the documented plan
            assert state.factor == 1.0  # never slowed down by a 429
    finally:
        fresh.stop()
    assert "HTTP 429" not in caplog.text
