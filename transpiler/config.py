"""Settings: marketplace, locale, endpoints and credentials.

Sources, later ones winning: built-in defaults (France, Vendor Central), a TOML config file
(`--config`, `PL_AMAZON_CONFIG`, or `~/.config/pl-amazon/config.toml`), an AWS Secrets Manager
secret (`secrets_manager_id`, optional boto3 extra), then `PL_AMAZON_*` environment variables.
Secrets are held in `Secret` wrappers whose `str()`/`repr()` are masked so they cannot leak into
logs or error messages by accident.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from transpiler.errors import ConfigError

FRANCE_MARKETPLACE_ID = "A13V1IB3VIYZZH"
FRANCE_LOCALE = "fr_FR"
#: The key of the generated Product-Live table (`generated/productlive/AMAZON_FR.xml`).
TABLE_KEY = "AMAZON_FR"
#: The properties Amazon uses to scope a value to a marketplace and a language. People never edit
#: them: the publisher fills them from the settings (`Settings.context`).
MARKETPLACE_ID_PROPERTY = "marketplace_id"
LANGUAGE_TAG_PROPERTY = "language_tag"
CONTEXT_PROPERTIES = (MARKETPLACE_ID_PROPERTY, LANGUAGE_TAG_PROPERTY)
EU_ENDPOINT = "https://sellingpartnerapi-eu.amazon.com"
LWA_ENDPOINT = "https://api.amazon.com/auth/o2/token"
VENDOR_CENTRAL_FR = "https://vendorcentral.amazon.fr"
SELLER_CENTRAL_EU = "https://sellercentral-europe.amazon.com"


class Secret:
    """A secret string that never shows itself in str(), repr() or f-strings."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def reveal(self) -> str:
        """The secret itself: call only where it is sent (a request body or header)."""
        return self._value

    def masked(self) -> str:
        if not self._value:
            return ""
        return f"{self._value[:4]}…({len(self._value)} chars)" if len(self._value) > 12 else "****"

    def __str__(self) -> str:
        return "****"

    __repr__ = __str__

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


#: setting name -> environment variable suffix (PL_AMAZON_<SUFFIX>)
_ENV = {
    "spapi_url": "SPAPI_URL",
    "lwa_url": "LWA_URL",
    "client_id": "CLIENT_ID",
    "client_secret": "CLIENT_SECRET",
    "refresh_token": "REFRESH_TOKEN",
    "seller_id": "SELLER_ID",
    "marketplace_id": "MARKETPLACE_ID",
    "locale": "LOCALE",
    "consent_url": "CONSENT_URL",
    "application_id": "APPLICATION_ID",
    "redirect_uri": "REDIRECT_URI",
    "draft_app": "DRAFT_APP",
    "token_key": "TOKEN_KEY",
    "token_store": "TOKEN_STORE",
    "sigv4": "SIGV4",
    "aws_region": "AWS_REGION",
    "secrets_manager_id": "SECRETS_MANAGER_ID",
    "user_agent": "USER_AGENT",
    "assets": "ASSETS",
    "max_schema_bytes": "MAX_SCHEMA_BYTES",
    "sqs_endpoint": "SQS_ENDPOINT",
    "shared": "SHARED",
}

SECRET_SETTINGS = {"client_secret", "refresh_token", "token_key"}
_BOOLEAN_SETTINGS = {"draft_app", "sigv4"}
_INTEGER_SETTINGS = {"max_schema_bytes"}
#: Amazon's largest product type schemas are around 2 MB; anything far larger is refused rather
#: than loaded into memory and compiled.
MAX_SCHEMA_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Settings:
    """Effective settings of one run."""

    spapi_url: str = EU_ENDPOINT
    lwa_url: str = LWA_ENDPOINT
    client_id: str = ""
    client_secret: Secret = field(default_factory=lambda: Secret(""))
    refresh_token: Secret = field(default_factory=lambda: Secret(""))
    seller_id: str = ""  # the vendor code for vendors
    marketplace_id: str = FRANCE_MARKETPLACE_ID
    locale: str = FRANCE_LOCALE
    consent_url: str = VENDOR_CENTRAL_FR
    application_id: str = ""
    redirect_uri: str = ""
    draft_app: bool = False
    token_key: Secret = field(default_factory=lambda: Secret(""))
    token_store: str = ""
    sigv4: bool = False
    aws_region: str = "eu-west-1"
    secrets_manager_id: str = ""
    user_agent: str = ""
    assets: str = ""  # definitions store root; empty: the checkout's assets/amazon
    max_schema_bytes: int = MAX_SCHEMA_BYTES
    sqs_endpoint: str = ""  # another SQS endpoint (a VPC endpoint, a local stand-in) for --from-sqs
    shared: str = ""  # Amazon's reference files (<shared>/amazon/openapi...); empty: `shared` beside the checkout

    @property
    def language_tag(self) -> str:
        """Amazon's `language_tag` for text attributes: the locale (fr_FR)."""
        return self.locale

    @property
    def context(self) -> dict[str, str]:
        """The value of each context property (`marketplace_id`, `language_tag`) for this run."""
        return dict(zip(CONTEXT_PROPERTIES, (self.marketplace_id, self.language_tag), strict=True))

    def with_overrides(self, **values: Any) -> Settings:
        """A copy with some settings replaced (None values are ignored)."""
        clean = {k: _coerce(k, v) for k, v in values.items() if v is not None}
        return replace(self, **clean)

    def masked(self) -> dict[str, Any]:
        """Every setting, secrets masked: what `pl-amazon config show` prints."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = value.masked() if isinstance(value, Secret) else value
        return out


def _coerce(name: str, value: Any) -> Any:
    if name in SECRET_SETTINGS:
        return value if isinstance(value, Secret) else Secret(str(value))
    if name in _BOOLEAN_SETTINGS:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in {"1", "true", "yes", "on"}:
            return True
        if text in {"0", "false", "no", "off", ""}:
            return False
        raise ConfigError(f"setting {name} must be a boolean, got {value!r}")
    if name in _INTEGER_SETTINGS:
        try:
            number = int(str(value).strip())
        except ValueError:
            raise ConfigError(f"setting {name} must be a whole number, got {value!r}") from None
        if number <= 0:
            raise ConfigError(f"setting {name} must be positive, got {value!r}")
        return number
    return str(value)


def default_config_path(environ: Mapping[str, str] | None = None) -> Path:
    """`$XDG_CONFIG_HOME/pl-amazon/config.toml` (`~/.config/...` when the variable is not set)."""
    env = os.environ if environ is None else environ
    return Path(env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")) / "pl-amazon" / "config.toml"


def default_token_store(environ: Mapping[str, str] | None = None) -> Path:
    """`$XDG_DATA_HOME/pl-amazon/tokens.json` (`~/.local/share/...` when the variable is not set)."""
    env = os.environ if environ is None else environ
    return Path(env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")) / "pl-amazon" / "tokens.json"


def default_worker_state(environ: Mapping[str, str] | None = None) -> Path:
    """`$XDG_DATA_HOME/pl-amazon/worker`: the Data Factory worker's state folder by default."""
    env = os.environ if environ is None else environ
    return Path(env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")) / "pl-amazon" / "worker"


def productlive_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The `PL_PRODUCTLIVE_*` variables (the Data Factory worker's Product-Live API settings,
    turned into settings by `transpiler.datafactory.settings.from_environ`)."""
    env = os.environ if environ is None else environ
    return {name: value for name, value in env.items() if name.startswith("PL_PRODUCTLIVE_")}


def read_config_file(path: Path) -> dict[str, Any]:
    """Settings from a TOML file (top-level keys named like the Settings fields)."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: config file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    section = data.get("amazon", data)
    unknown = sorted(set(section) - set(_ENV))
    if unknown:
        raise ConfigError(f"{path}: unknown settings {', '.join(unknown)}")
    return dict(section)


def read_secrets_manager(secret_id: str, region: str, client: Any = None) -> dict[str, Any]:
    """Settings from an AWS Secrets Manager secret holding a JSON object.

    Keys are setting names (`client_secret`) or their variables (`PL_AMAZON_CLIENT_SECRET`).
    Needs boto3 (the `aws` extra). `client` is a ready secretsmanager client (tests pass a stubbed one).
    """
    if client is None:
        try:
            import boto3
        except ImportError as exc:  # pragma: no cover - depends on the installed extras
            raise ConfigError(
                "PL_AMAZON_SECRETS_MANAGER_ID needs boto3: pip install 'productlive-amazon[aws]'"
            ) from exc
        client = boto3.client("secretsmanager", region_name=region)
    try:
        answer = client.get_secret_value(SecretId=secret_id)
    except Exception as exc:  # botocore raises ClientError / NoCredentialsError / EndpointConnectionError
        code = getattr(exc, "response", {}).get("Error", {}).get("Code") or type(exc).__name__
        raise ConfigError(f"AWS Secrets Manager secret {secret_id!r} could not be read ({code})") from None
    try:
        data = json.loads(answer.get("SecretString") or "")
    except json.JSONDecodeError:
        data = None
    if not isinstance(data, dict):
        raise ConfigError(f"AWS Secrets Manager secret {secret_id!r} must hold a JSON object of settings")
    by_variable = {f"PL_AMAZON_{suffix}": name for name, suffix in _ENV.items()}
    values: dict[str, Any] = {}
    for key, value in data.items():
        name = by_variable.get(key, key)
        if name not in _ENV:
            raise ConfigError(f"AWS Secrets Manager secret {secret_id!r}: unknown setting {key}")
        values[name] = value
    return values


def load_settings(
    config_file: Path | None = None, environ: Mapping[str, str] | None = None, *, secrets_client: Any = None
) -> Settings:
    """Defaults, then the config file, then AWS Secrets Manager (when configured), then PL_AMAZON_* variables.

    The only place the environment is read: the result is passed down (in a Workspace) to
    everything else. The config file is `config_file` (the CLI's `--config`), else
    PL_AMAZON_CONFIG, else `~/.config/pl-amazon/config.toml` when it exists.
    """
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    path = config_file or (Path(env["PL_AMAZON_CONFIG"]) if env.get("PL_AMAZON_CONFIG") else None)
    if path is None and default_config_path(env).exists():
        path = default_config_path(env)
    if path is not None:
        values.update(read_config_file(path))
    from_env: dict[str, Any] = {}
    for name, suffix in _ENV.items():
        raw = env.get(f"PL_AMAZON_{suffix}")
        if raw is not None and raw != "":
            from_env[name] = raw
    secret_id = from_env.get("secrets_manager_id") or values.get("secrets_manager_id")
    if secret_id:
        region = str(from_env.get("aws_region") or values.get("aws_region") or Settings.aws_region)
        values.update(read_secrets_manager(str(secret_id), region, secrets_client))
    values.update(from_env)
    if not values.get("token_store"):
        values["token_store"] = str(default_token_store(env))
    return Settings().with_overrides(**values)
