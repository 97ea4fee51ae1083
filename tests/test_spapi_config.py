"""Settings reaching the SP-API client: config file, AWS Secrets Manager, `pl-amazon config show`."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber
from click.testing import CliRunner

from transpiler.cli import main
from transpiler.config import load_settings
from transpiler.errors import ConfigError

SECRET = "very-secret-client-secret-42"
REFRESH = "Atzr|very-secret-refresh-token-42"


def secrets_client(secret: dict | str, secret_id: str = "pl-amazon/prod"):
    client = boto3.client("secretsmanager", region_name="eu-west-1", aws_access_key_id="x",
                          aws_secret_access_key="y")
    stubber = Stubber(client)
    body = secret if isinstance(secret, str) else json.dumps(secret)
    stubber.add_response("get_secret_value", {"SecretString": body, "Name": secret_id},
                         {"SecretId": secret_id})
    stubber.activate()
    return client, stubber


def test_secrets_manager_fills_credentials_and_environment_still_wins() -> None:
    client, stubber = secrets_client({"PL_AMAZON_CLIENT_SECRET": SECRET, "refresh_token": REFRESH,
                                      "client_id": "from-secret"})
    env = {"PL_AMAZON_SECRETS_MANAGER_ID": "pl-amazon/prod", "PL_AMAZON_CLIENT_ID": "from-env"}
    settings = load_settings(None, env, secrets_client=client)
    stubber.assert_no_pending_responses()
    assert settings.client_secret.reveal() == SECRET
    assert settings.refresh_token.reveal() == REFRESH
    assert settings.client_id == "from-env"


def test_secrets_manager_errors_are_config_errors_without_the_secret() -> None:
    client, _ = secrets_client({"client_secret": SECRET, "bogus": 1})
    with pytest.raises(ConfigError, match="unknown setting bogus") as info:
        load_settings(None, {"PL_AMAZON_SECRETS_MANAGER_ID": "pl-amazon/prod"}, secrets_client=client)
    assert SECRET not in info.value.one_line()

    client = boto3.client("secretsmanager", region_name="eu-west-1", aws_access_key_id="x",
                          aws_secret_access_key="y")
    stubber = Stubber(client)
    stubber.add_client_error("get_secret_value", service_error_code="ResourceNotFoundException")
    stubber.activate()
    with pytest.raises(ConfigError, match="ResourceNotFoundException"):
        load_settings(None, {"PL_AMAZON_SECRETS_MANAGER_ID": "pl-amazon/prod"}, secrets_client=client)


def test_config_show_masks_secrets_and_reads_the_config_option(tmp_path: Path) -> None:
    config = tmp_path / "pl-amazon.toml"
    config.write_text(f'client_id = "amzn1.application-oa2-client.file"\nclient_secret = "{SECRET}"\n'
                      'spapi_url = "http://127.0.0.1:9"\n')
    runner = CliRunner()
    env = {"PL_AMAZON_REFRESH_TOKEN": REFRESH, "PL_AMAZON_CONFIG": None, "XDG_CONFIG_HOME": str(tmp_path)}
    shown = runner.invoke(main, ["--config", str(config), "config", "show", "--json"], env=env)
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.output)
    assert data["client_id"] == "amzn1.application-oa2-client.file"
    assert data["spapi_url"] == "http://127.0.0.1:9"
    assert data["marketplace_id"] == "A13V1IB3VIYZZH" and data["locale"] == "fr_FR"
    assert data["client_secret"] and data["refresh_token"]
    text = runner.invoke(main, ["--config", str(config), "config", "show"], env=env)
    assert text.exit_code == 0 and "client_secret" in text.output
    for output in (shown.output, text.output):
        assert SECRET not in output and REFRESH not in output
    # without --config the file is not read
    plain = runner.invoke(main, ["config", "show", "--json"], env=env)
    assert json.loads(plain.output)["client_id"] == ""


def test_a_missing_config_file_is_one_line() -> None:
    result = CliRunner().invoke(main, ["--config", "/nonexistent/pl.toml", "config", "show"])
    assert result.exit_code == 2
    assert "config file not found" in result.output and "Traceback" not in result.output
    assert load_settings(None, {}).client_id == ""  # the failed invocation's --config does not linger
