"""Amazon's transient failures that come back inside an HTTP 200: retried, never taken as a verdict.

A put or patch (or a feed message) can answer INVALID with issue `4000000` "An internal error has
occurred. Please try again." — also in preview (amzn/selling-partner-api-models#4603, #4362). Such a
verdict says nothing about the listing: the call is repeated with the backoff of a 5xx and, when
the error persists, the item ends ERROR (sent again by the next run), never INVALID.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

#: issue codes Amazon uses for its own transient failures
TRANSIENT_CODES = frozenset({"4000000"})
#: words of Amazon's "try again" messages (English, and French with issueLocale=fr_FR)
TRANSIENT_WORDS = ("try again", "please resubmit", "réessayer", "réessayez", "soumettre à nouveau")

PUB_TRANSIENT = "PUB_TRANSIENT"


def transient_issue(issue: Mapping[str, Any]) -> bool:
    """True for an ERROR issue that is Amazon's transient failure, by code or by its 'try again' words."""
    if str(issue.get("severity", "ERROR")).upper() != "ERROR":
        return False
    if str(issue.get("code", "")) in TRANSIENT_CODES:
        return True
    message = str(issue.get("message", "")).lower()
    return any(word in message for word in TRANSIENT_WORDS)


def transient_failure(response: Mapping[str, Any]) -> bool:
    """True when a submission answer is INVALID because of a transient failure (worth repeating)."""
    return str(response.get("status")) == "INVALID" and any_transient(response.get("issues") or ())


def any_transient(issues: Iterable[Any]) -> bool:
    return any(isinstance(i, Mapping) and transient_issue(i) for i in issues)
