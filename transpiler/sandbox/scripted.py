"""Scripted answers: an SP-API operation answered with a given body instead of the sandbox's own.

The sandbox's handlers produce one shape of each answer; Amazon may send any shape its models
allow (optional fields absent, extra fields, other statuses, error bodies in plain text from a
gateway...). A scripted answer lets a test put such a body on the wire for one operation, through
the whole gateway (authentication, usage plans, request id) and the real HTTP stack, so the client
and the publisher meet it exactly as they would meet Amazon's.

A script is a JSON object (`POST /_sandbox/answers`, `SandboxHandle.script()`):

- `operation`: the operationId answered (`putListingsItem`, `getFeed`...);
- `status` (default 200) and either `body` (sent as JSON) or `text` (sent as is, with
  `contentType`, default `text/plain`);
- `headers`: headers to add, a `null` value removes one the gateway set (`x-amzn-RateLimit-Limit`);
- `document` (getFeedDocument): the content of a result document (JSON, or a string), stored by the
  sandbox and linked from the answer's `url` with a presigned link; `compression: "GZIP"` stores it
  gzipped and says so in `compressionAlgorithm`;
- `times`: how many calls it answers (default: every call until the scripts are cleared).

Scripts of one operation answer in the order given; `POST /_sandbox/answers` with `[]` clears them.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response

from transpiler.sandbox.responses import json_response


class ScriptError(ValueError):
    """A script that cannot be used; the message names the bad part."""


@dataclass
class Script:
    """One scripted answer (see the module docstring)."""

    operation: str
    status: int = 200
    body: Any = None
    text: str | None = None
    content_type: str = "text/plain"
    headers: dict[str, str | None] = field(default_factory=dict)
    document: Any = None
    compression: str | None = None
    times: int | None = None

    @classmethod
    def parse(cls, spec: Any) -> Script:
        if not isinstance(spec, dict) or not isinstance(spec.get("operation"), str) or not spec["operation"]:
            raise ScriptError("a script is an object naming its 'operation'")
        status = spec.get("status", 200)
        if not isinstance(status, int) or not 100 <= status <= 599:
            raise ScriptError(f"{spec['operation']}: 'status' must be an HTTP status, not {status!r}")
        times = spec.get("times")
        if times is not None and (not isinstance(times, int) or times < 1):
            raise ScriptError(f"{spec['operation']}: 'times' must be a positive integer")
        headers = spec.get("headers") or {}
        if not isinstance(headers, dict) or not all(v is None or isinstance(v, str) for v in headers.values()):
            raise ScriptError(f"{spec['operation']}: 'headers' maps names to strings (or null to remove one)")
        text = spec.get("text")
        if text is not None and not isinstance(text, str):
            raise ScriptError(f"{spec['operation']}: 'text' must be a string")
        compression = spec.get("compression")
        if compression not in (None, "GZIP"):
            raise ScriptError(f"{spec['operation']}: 'compression' is GZIP or absent")
        return cls(operation=spec["operation"], status=status, body=spec.get("body"), text=text,
                   content_type=str(spec.get("contentType") or "text/plain"), headers=dict(headers),
                   document=spec.get("document"), compression=compression, times=times)


class Scripts:
    """The scripted answers of one sandbox, by operation."""

    def __init__(self) -> None:
        self._queues: dict[str, deque[Script]] = {}

    def replace(self, specs: Any) -> list[str]:
        """Replace every script by `specs` (a list, or one object); returns the operations scripted."""
        items = specs if isinstance(specs, list) else [specs]
        scripts = [Script.parse(spec) for spec in items]
        self._queues = {}
        for script in scripts:
            self._queues.setdefault(script.operation, deque()).append(script)
        return sorted(self._queues)

    def take(self, operation: str) -> Script | None:
        """The script answering this call of `operation`, if any (used up after its `times`)."""
        queue = self._queues.get(operation)
        if not queue:
            return None
        script = queue[0]
        if script.times is not None:
            script.times -= 1
            if script.times == 0:
                queue.popleft()
        return script

    def operations(self) -> list[str]:
        return sorted(op for op, queue in self._queues.items() if queue)


def scripted_response(script: Script, state: Any, partner: str) -> Response:
    """The HTTP answer of a script; a `document` is stored and linked (getFeedDocument)."""
    body = script.body
    if script.document is not None:
        data = script.document if isinstance(script.document, str) else json.dumps(script.document)
        raw = data.encode("utf-8")
        if script.compression == "GZIP":
            raw = gzip.compress(raw, mtime=0)
        doc_id = "amzn1.tortuga.4.eu." + base64.b32encode(os.urandom(15)).decode().lower()
        state.store.add_document(doc_id, partner, "application/json", "result", state.clock.now(), raw)
        linked: dict[str, Any] = {"feedDocumentId": doc_id,
                                  "url": state.sign(f"/_documents/{doc_id}", state.settings.document_url_ttl)}
        if script.compression:
            linked["compressionAlgorithm"] = script.compression
        body = {**linked, **(body if isinstance(body, dict) else {})}
    if script.text is not None:
        response = Response(script.text.encode("utf-8"), status_code=script.status, media_type=script.content_type)
    elif body is None:
        response = Response(b"", status_code=script.status)
    else:
        response = json_response(body, script.status)
    return response


def apply_headers(response: Response, script: Script) -> None:
    """The script's headers over the gateway's (a null value removes one)."""
    for name, value in script.headers.items():
        if value is None:
            if name in response.headers:
                del response.headers[name]
        else:
            response.headers[name] = value
