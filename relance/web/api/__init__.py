"""The REST API for the creditor's systems, a FastAPI sub-application mounted at `/api/v1`.

Its OpenAPI document is `/api/v1/openapi.json`. Every operation needs an API key
(`Authorization: Bearer …`, `relance apikey create`); a key scoped to a creditor sees only that
creditor's cases (another's answer 404, as if they did not exist). Every POST takes an
`Idempotency-Key`. Each key may make `RELANCE_API_RATE_LIMIT` requests per rolling minute (then
429 with `Retry-After`). Errors are JSON: `{"detail": …, "errors": [{"index", "field", "reason"}]}`.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from relance.web.api.routes import router
from relance.web.api.security import ApiError, RateLimiter, error_response
from relance.web.context import WebContext

API_PREFIX = "/api/v1"
API_MAX_BODY_BYTES = 16 * 1024 * 1024  # a batch of 10,000 debts with every column filled


def api_app(web: WebContext) -> FastAPI:
    """The sub-application (mount it at `API_PREFIX`)."""
    api = FastAPI(
        title="Relance API",
        version="1",
        description=__doc__,
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    api.state.relance = web
    api.state.rate_limiter = RateLimiter(web.runtime.settings.api_rate_limit)
    api.include_router(router)

    @api.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc)

    @api.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        return error_response(
            ApiError(exc.status_code, str(exc.detail), headers=dict(exc.headers) if exc.headers else None)
        )

    @api.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(ApiError(422, "invalid request", [_item(e) for e in exc.errors()]))

    return api


def _item(error: dict) -> dict:  # type: ignore[type-arg]
    """A pydantic error as `{index, field, reason}` (the index of a batch item, else 0)."""
    loc = [p for p in error.get("loc", ()) if p not in ("body", "query", "path", "header")]
    index = 0
    if len(loc) >= 2 and loc[0] == "items" and isinstance(loc[1], int):
        index, loc = loc[1], loc[2:]
    return {
        "index": index,
        "field": ".".join(str(p) for p in loc) or "(body)",
        "reason": str(error.get("msg", "invalid")),
    }
