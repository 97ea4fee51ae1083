"""The sandbox's Starlette application: every route on one origin, and (when served) the
background worker that applies jobs as they fall due (`transpiler.sandbox.pipeline`).
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from transpiler.sandbox import admin, consent, definitions_api, feeds_api, listings_api, lwa, notifications_api
from transpiler.sandbox.pipeline import worker
from transpiler.sandbox.responses import error_body, json_response, request_id
from transpiler.sandbox.settings import SandboxSettings
from transpiler.sandbox.state import SandboxState
from transpiler.serving import running_beside

NOTIFICATIONS = "/notifications/v1"
API_PREFIXES = ("/listings/2021-08-01/", "/feeds/2021-06-30/", "/definitions/2020-09-01/", NOTIFICATIONS + "/")
LISTING = "/listings/2021-08-01/items/{sellerId}/{sku:path}"


def routes() -> list[Route]:
    return [
        Route("/auth/o2/token", lwa.token_endpoint, methods=["POST"]),
        Route("/apps/authorize/consent", consent.consent_page, methods=["GET"]),
        Route("/apps/authorize/confirm", consent.consent_confirm, methods=["POST"]),
        Route("/definitions/2020-09-01/productTypes", definitions_api.search, methods=["GET"]),
        Route("/definitions/2020-09-01/productTypes/{productType}", definitions_api.get_definition, methods=["GET"]),
        Route(definitions_api.META_SCHEMA_PATH, definitions_api.download_schema, methods=["GET"]),
        Route("/_schemas/{marketplaceId}/{productType}", definitions_api.download_schema, methods=["GET"]),
        Route("/_schemas/{marketplaceId}/{productType}/not-enforced", definitions_api.download_schema,
              methods=["GET"]),
        Route(LISTING, listings_api.get_item, methods=["GET"]),
        Route(LISTING, listings_api.put_item, methods=["PUT"]),
        Route(LISTING, listings_api.patch_item, methods=["PATCH"]),
        Route(LISTING, listings_api.delete_item, methods=["DELETE"]),
        Route("/listings/2021-08-01/items/{sellerId}", listings_api.search_items, methods=["GET"]),
        Route("/feeds/2021-06-30/documents", feeds_api.create_document, methods=["POST"]),
        Route("/feeds/2021-06-30/documents/{feedDocumentId}", feeds_api.get_document, methods=["GET"]),
        Route("/feeds/2021-06-30/feeds", feeds_api.create_feed, methods=["POST"]),
        Route("/feeds/2021-06-30/feeds", feeds_api.get_feeds, methods=["GET"]),
        Route("/feeds/2021-06-30/feeds/{feedId}", feeds_api.get_feed, methods=["GET"]),
        Route("/feeds/2021-06-30/feeds/{feedId}", feeds_api.cancel_feed, methods=["DELETE"]),
        Route(NOTIFICATIONS + "/destinations", notifications_api.create_destination, methods=["POST"]),
        Route(NOTIFICATIONS + "/destinations", notifications_api.get_destinations, methods=["GET"]),
        Route(NOTIFICATIONS + "/destinations/{destinationId}", notifications_api.get_destination, methods=["GET"]),
        Route(NOTIFICATIONS + "/destinations/{destinationId}", notifications_api.delete_destination,
              methods=["DELETE"]),
        Route(NOTIFICATIONS + "/subscriptions/{notificationType}", notifications_api.create_subscription,
              methods=["POST"]),
        Route(NOTIFICATIONS + "/subscriptions/{notificationType}", notifications_api.get_subscription,
              methods=["GET"]),
        Route(NOTIFICATIONS + "/subscriptions/{notificationType}/{subscriptionId}",
              notifications_api.get_subscription_by_id, methods=["GET"]),
        Route(NOTIFICATIONS + "/subscriptions/{notificationType}/{subscriptionId}",
              notifications_api.delete_subscription_by_id, methods=["DELETE"]),
        Route("/_documents/{documentId}", feeds_api.document_transfer, methods=["GET", "PUT"]),
        Route("/_sandbox/health", admin.health, methods=["GET"]),
        Route("/_sandbox/registration", admin.registration, methods=["GET"]),
        Route("/_sandbox/faults", admin.faults, methods=["GET", "POST"]),
        Route("/_sandbox/answers", admin.answers, methods=["GET", "POST"]),
        Route("/_sandbox/rate-limits", admin.rate_limits, methods=["GET", "POST"]),
        Route("/_sandbox/clock", admin.clock, methods=["GET", "POST"]),
        Route("/_sandbox/expire-tokens", admin.expire_tokens, methods=["POST"]),
        Route("/_sandbox/process", admin.process, methods=["POST"]),
        Route("/_sandbox/listings", admin.listings, methods=["GET"]),
        Route("/_sandbox/notifications", admin.notifications, methods=["GET"]),
        Route("/_sandbox/stats", admin.stats, methods=["GET"]),
    ]


async def _http_error(request: Request, exc: Exception) -> Response:
    """Unknown paths and methods answer with Amazon's error body, not a bare text page."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 404 and request.url.path.startswith(API_PREFIXES):
        # A path under an API that matches no operation (an empty SKU, a stray slash) is a bad request.
        return json_response(error_body("InvalidInput", "The request path is not valid for this API."), 400,
                             {"x-amzn-RequestId": request_id()})
    code = {404: "NotFound", 405: "MethodNotAllowed"}.get(status, "InternalFailure")
    message = {404: "The requested resource was not found.", 405: "The method is not allowed for this resource."}
    return json_response(error_body(code, message.get(status, "An internal error has occurred.")), status,
                         {"x-amzn-RequestId": request_id()})


def build_app(settings: SandboxSettings, state: SandboxState | None = None) -> Starlette:
    """The ASGI app for these settings (its state is `app.state.sandbox`)."""
    state = state or SandboxState(settings)
    app = Starlette(routes=routes(), lifespan=running_beside(lambda: worker(state)),
                    exception_handlers={HTTPException: _http_error})
    app.state.sandbox = state
    app.state.consent_nonces = set()
    return app
