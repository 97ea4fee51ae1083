"""Amazon-shaped responses: JSON bodies, `ErrorList` errors and the headers every call carries."""

from __future__ import annotations

import json
import uuid
from typing import Any

from starlette.responses import Response


class SpApiError(Exception):
    """Raised by a handler to answer with Amazon's error body (`{"errors": [...]}`)."""

    def __init__(self, status: int, code: str, message: str, details: str | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}


def request_id() -> str:
    return str(uuid.uuid4())


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response with Amazon's content type."""
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(data, status_code=status, media_type="application/json", headers=headers)


def error_body(code: str, message: str, details: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    return {"errors": [error]}


def error_response(error: SpApiError, headers: dict[str, str] | None = None) -> Response:
    merged = {**(headers or {}), **error.headers}
    merged.setdefault("x-amzn-ErrorType", error.code)
    return json_response(error_body(error.code, error.message, error.details), error.status, merged)


def bad_request(message: str, details: str | None = None) -> SpApiError:
    return SpApiError(400, "InvalidInput", message, details)


def not_found(message: str) -> SpApiError:
    return SpApiError(404, "NotFound", message)
