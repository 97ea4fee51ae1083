"""Optional AWS Signature Version 4 signing of SP-API requests (off by default).

Since October 2023 Amazon neither requires nor checks SigV4 on SP-API calls: LWA alone
authorizes them and a signature, when present, is ignored. Some accounts still want their calls
signed (audit rules, proxies that expect it), so `PL_AMAZON_SIGV4=true` turns it on. It needs
botocore (the `aws` extra) and AWS credentials from the usual botocore sources.
"""

from __future__ import annotations

from typing import Any

import httpx

from transpiler.errors import ConfigError

SERVICE = "execute-api"


class SigV4Signer:
    """Signs an httpx.Request in place with botocore's SigV4 implementation."""

    def __init__(self, region: str, credentials: Any = None):
        try:
            from botocore.auth import SigV4Auth
            from botocore.session import Session
        except ImportError as exc:  # pragma: no cover - depends on the installed extras
            raise ConfigError("PL_AMAZON_SIGV4 needs botocore: pip install 'productlive-amazon[aws]'") from exc
        if credentials is None:
            credentials = Session().get_credentials()
        if credentials is None:
            raise ConfigError(
                "PL_AMAZON_SIGV4 is on but no AWS credentials were found (AWS_ACCESS_KEY_ID, profile or role)"
            )
        self._auth = SigV4Auth(credentials, SERVICE, region)
        self.region = region

    def sign(self, request: httpx.Request) -> httpx.Request:
        """Add Authorization, X-Amz-Date (and X-Amz-Security-Token) to `request`; returns it."""
        from botocore.awsrequest import AWSRequest

        # only the headers Amazon's docs list as signed: host, x-amz-access-token, x-amz-date
        signed = {k: v for k, v in request.headers.items() if k.lower() in {"host", "x-amz-access-token"}}
        aws_request = AWSRequest(method=request.method, url=str(request.url), data=request.content, headers=signed)
        self._auth.add_auth(aws_request)
        for name in ("Authorization", "X-Amz-Date", "X-Amz-Security-Token"):
            if name in aws_request.headers:
                request.headers[name] = aws_request.headers[name]
        return request
