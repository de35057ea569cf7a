"""API keys (`Authorization: Bearer …`), the per-key rate limit, and idempotent POSTs."""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from relance.core.apikeys import KeyOwner, authenticate
from relance.core.db import session_scope
from relance.core.models import IdempotentRequest
from relance.web.context import WebContext, web_context

bearer = HTTPBearer(auto_error=False, description="an API key from `relance apikey create`")
WINDOW = 60.0


class ApiError(Exception):
    """An answer other than success: status, message and (for bad items) their index and field."""

    def __init__(
        self,
        status: int,
        detail: str,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status, self.detail, self.errors, self.headers = status, detail, errors or [], headers


def error_response(exc: ApiError) -> JSONResponse:
    return JSONResponse({"detail": exc.detail, "errors": exc.errors}, status_code=exc.status, headers=exc.headers)


class RateLimiter:
    """At most `limit` requests per key in any rolling minute (per process)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._hits: dict[int, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, key_id: int, now: float | None = None) -> float | None:
        """None when allowed (and counted), else the seconds to wait."""
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits.setdefault(key_id, deque())
            while hits and hits[0] <= now - WINDOW:
                hits.popleft()
            if len(hits) >= self.limit:
                return hits[0] + WINDOW - now
            hits.append(now)
            return None


def caller(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
    web: WebContext = Depends(web_context),
) -> KeyOwner:
    """The key's owner; 401 without a valid key, 429 over the rate limit."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ApiError(401, "missing API key: send Authorization: Bearer <key>", headers={"WWW-Authenticate": "Bearer"})
    with session_scope(web.runtime.engine) as session:
        owner = authenticate(session, credentials.credentials, at=web.runtime.now())
    if owner is None:
        raise ApiError(401, "invalid or revoked API key", headers={"WWW-Authenticate": "Bearer"})
    limiter: RateLimiter = request.app.state.rate_limiter
    wait = limiter.check(owner.key_id)
    if wait is not None:
        raise ApiError(429, "too many requests for this API key", headers={"Retry-After": str(max(1, math.ceil(wait)))})
    return owner


def fingerprint(method: str, path: str, body: Any) -> str:
    raw = json.dumps([method, path, body], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def idempotent_post(
    web: WebContext,
    owner: KeyOwner,
    key: str | None,
    print_: str,
    work: Callable[[Session], tuple[int, dict[str, Any]]],
) -> JSONResponse:
    """Run `work` in one transaction; with an Idempotency-Key, a retry gets the first answer, not a second run."""
    for attempt in (1, 2):
        try:
            with session_scope(web.runtime.engine) as session:
                if key is not None:
                    replay = _replay(session, owner, key, print_)
                    if replay is not None:
                        return replay
                status, body = work(session)
                if key is not None:
                    session.add(
                        IdempotentRequest(
                            api_key_id=owner.key_id,
                            key=key,
                            fingerprint=print_,
                            status_code=status,
                            body=json.dumps(body),
                            created_at=web.runtime.now(),
                        )
                    )
            return JSONResponse(body, status_code=status)
        except IntegrityError:
            if attempt == 2 or key is None:
                raise
    raise AssertionError("unreachable")


def _replay(session: Session, owner: KeyOwner, key: str, print_: str) -> JSONResponse | None:
    done = session.execute(
        sa.select(IdempotentRequest).where(
            col(IdempotentRequest.api_key_id) == owner.key_id, col(IdempotentRequest.key) == key
        )
    ).scalar_one_or_none()
    if done is None:
        return None
    if done.fingerprint != print_:
        raise ApiError(
            422,
            "this Idempotency-Key was used for a different request",
            [{"index": 0, "field": "Idempotency-Key", "reason": "reused with another request"}],
        )
    return JSONResponse(json.loads(done.body), status_code=done.status_code, headers={"Idempotent-Replayed": "true"})
