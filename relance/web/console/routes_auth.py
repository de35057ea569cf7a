"""Sign in and out of the console."""

from __future__ import annotations

import asyncio
import math
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlmodel import Session

from relance.core.agents import SignIn, Throttle, authenticate
from relance.core.events import record_event
from relance.web.console.context import PREFIX, Console, Viewer
from relance.web.console.security import LOGIN_COOKIE, SESSION_COOKIE, SESSION_LIFETIME, end_sessions, session_epoch


def safe_next(target: str | None) -> str:
    """Only a path inside the console may follow the login (no open redirect)."""
    if target and target.startswith(f"{PREFIX}/") and not target.startswith("//") and "\\" not in target:
        return target
    return f"{PREFIX}/"


def add_auth_routes(router: APIRouter, console: Console) -> None:
    """GET/POST /login and POST /logout."""

    throttle = Throttle.from_settings(console.runtime.settings)

    def login_page(request: Request, *, next_url: str, error: str | None = None, status: int = 200) -> Response:
        # a still-valid login form keeps its token: every refusal then reads the same, byte for byte
        token = console.signer.login_form_token(request.cookies.get(LOGIN_COOKIE), console.now())
        cookie = None
        if token is None:
            cookie, token = console.signer.login_token(console.now())
        response = console.render(
            request, "login.html", None, status_code=status, login_token=token, next_url=next_url, error=error
        )
        if cookie is not None:
            response.set_cookie(
                LOGIN_COOKIE, cookie, path=PREFIX, httponly=True, samesite="lax", secure=console.secure_cookies(request)
            )
        return response

    @router.get("/login")
    def login_form(request: Request, next: str | None = None) -> Response:
        if console.signed_in(request) is not None:
            return console.redirect(request, safe_next(next))
        return login_page(request, next_url=safe_next(next))

    @router.post("/login")
    async def login(
        request: Request,
        email: Annotated[str, Form(max_length=254)],
        password: Annotated[str, Form(max_length=1024)],
        csrf_token: Annotated[str, Form(max_length=200)] = "",
        next: Annotated[str, Form(max_length=500)] = "",
    ) -> Response:
        if not console.signer.check_login_token(request.cookies.get(LOGIN_COOKIE), csrf_token, console.now()):
            raise HTTPException(403, "The login form expired or was not sent by this site: reload it and try again.")
        client = request.client.host if request.client else "unknown"

        def check() -> tuple[SignIn, int]:
            with console.runtime.session() as session:
                attempt = authenticate(
                    session, email=email, password=password, now=console.now(), client=client, throttle=throttle
                )
                session.commit()
                epoch = session_epoch(session, attempt.agent.id) if attempt.agent and attempt.agent.id else 0
                return attempt, epoch

        attempt, epoch = await run_in_threadpool(check)  # argon2 and the database off the event loop
        if attempt.delay:
            await asyncio.sleep(attempt.delay)  # slows a guesser, holding no thread; never locks the account
        if attempt.agent is None:
            return refused(request, next, attempt.retry_after if attempt.throttled else None)
        cookie, _ = console.signer.session_cookie(attempt.agent, console.now(), epoch)
        response = console.redirect(request, safe_next(next))
        response.set_cookie(
            SESSION_COOKIE, cookie, max_age=int(SESSION_LIFETIME.total_seconds()), path=PREFIX,
            httponly=True, samesite="lax", secure=console.secure_cookies(request),
        )  # fmt: skip
        response.delete_cookie(LOGIN_COOKIE, path=PREFIX)
        return response

    def refused(request: Request, next_url: str, retry_after: object) -> Response:
        if retry_after is None:
            return login_page(request, next_url=safe_next(next_url), error="Wrong email or password.", status=401)
        seconds = math.ceil(retry_after.total_seconds())  # type: ignore[attr-defined]
        error = "Too many failed sign-ins from your network: try again later, or ask an admin to unlock it."
        response = login_page(request, next_url=safe_next(next_url), error=error, status=429)
        response.headers["Retry-After"] = str(seconds)
        return response

    @router.post("/logout")
    def logout(
        request: Request, viewer: Viewer = Depends(console.poster), session: Session = Depends(console.db)
    ) -> Response:
        record_event(
            session, case_id=None, kind="agent_signed_out", actor="agent", actor_id=viewer.id, at=console.now()
        )
        end_sessions(session, viewer.id, console.now())
        session.commit()
        response = console.redirect(request, f"{PREFIX}/login", notice="You are signed out.")
        response.delete_cookie(SESSION_COOKIE, path=PREFIX)
        return response
