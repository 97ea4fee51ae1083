"""Everything a sandbox instance is configured with.

Defaults are Amazon's (token lifetimes, URL lifetimes, rate limits); the processing delays are
short so the demo and the tests do not wait, yet every state (IN_QUEUE, IN_PROGRESS, pending
ASIN) stays observable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from transpiler.sandbox.faults import Faults
from transpiler.sandbox.registration import DEMO, Registration
from transpiler.workspace import DEFAULT_ASSETS


def default_definitions_root() -> Path:
    """assets/amazon of the checkout: the sample definitions the project ships."""
    return DEFAULT_ASSETS


def default_parameter_table() -> Path:
    """generated/amazon/parameters.json: the models' parameters (`make regenerate` derives it)."""
    from transpiler.workspace import DEFAULT_GENERATED

    return DEFAULT_GENERATED / "amazon" / "parameters.json"


@dataclass
class SandboxSettings:
    """Configuration of one sandbox instance (mutable faults and limits live in its state)."""

    definitions: Path = field(default_factory=default_definitions_root)
    data: Path = field(default_factory=lambda: Path(".sandbox"))
    registration: Registration = DEMO
    faults: Faults = field(default_factory=Faults)
    #: "amazon" = Amazon's documented rates; "off" = no throttling; a number scales the rates.
    rate_limits: str | float = "amazon"
    access_token_ttl: float = 3600.0  # seconds, Amazon's expires_in
    auth_code_ttl: float = 300.0  # spapi_oauth_code lifetime (five minutes)
    document_url_ttl: float = 300.0  # presigned upload / download URLs (five minutes)
    schema_url_ttl: float = 7 * 24 * 3600.0  # schema links are valid for seven days
    listing_processing_delay: float = 0.3  # ACCEPTED -> processed (ASIN, late issues)
    feed_queue_delay: float = 0.3  # IN_QUEUE -> IN_PROGRESS
    feed_processing_delay: float = 0.3  # IN_PROGRESS -> DONE
    max_body_bytes: int = 10 * 1024 * 1024  # larger SP-API bodies -> 413
    max_document_bytes: int = 50 * 1024 * 1024  # larger uploads -> 413
    signing_key: bytes = b""  # for presigned URLs; random per data folder when empty
    #: where notifications are delivered (an SQS endpoint such as a local moto server; "" = recorded only)
    sqs_endpoint: str = ""
    #: the OpenAPI models' query parameters, checked before every operation (400 InvalidInput)
    parameter_table: Path = field(default_factory=default_parameter_table)
