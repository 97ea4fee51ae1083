"""Selling Partner API client: LWA auth, per-operation rate limits, retries, one module per API.

Use `client_from_settings(settings)` and its `.definitions`, `.listings` and `.feeds` clients.
"""

from transpiler.spapi.auth import LwaAuth
from transpiler.spapi.client import SpApiClient, client_from_settings
from transpiler.spapi.definitions import DefinitionsClient
from transpiler.spapi.errors import ChecksumMismatchError, LwaError, NetworkError, UnreadableDocumentError
from transpiler.spapi.feeds import FeedsClient
from transpiler.spapi.listings import ListingsClient
from transpiler.spapi.rate_limit import RateLimiter, SharedRateLimiter, shared_limiter
from transpiler.spapi.retry import RetryPolicy
from transpiler.spapi.transport import AmazonResponse, Transport

__all__ = [
    "AmazonResponse",
    "ChecksumMismatchError",
    "DefinitionsClient",
    "FeedsClient",
    "ListingsClient",
    "LwaAuth",
    "LwaError",
    "NetworkError",
    "RateLimiter",
    "RetryPolicy",
    "SharedRateLimiter",
    "SpApiClient",
    "Transport",
    "UnreadableDocumentError",
    "client_from_settings",
    "shared_limiter",
]
