"""The console's request plumbing: who is signed in, CSRF checks, page rendering, redirects with a notice."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from sqlmodel import Session

from relance.core.agents import creditor_scope
from relance.core.models import Agent, AgentRole
from relance.core.runtime import Runtime
from relance.web.console.security import (
    FLASH_COOKIE,
    SESSION_COOKIE,
    SessionData,
    Signer,
    password_fingerprint,
    session_epoch,
)
from relance.web.console.security import tokens_match as _tokens_match

log = logging.getLogger(__name__)

PREFIX = "/console"
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
STATIC = Path(__file__).parent / "static"


@dataclass(frozen=True)
class Viewer:
    """The signed-in agent of a request, their session's CSRF token and the creditors they work for."""

    agent: Agent
    csrf: str
    scope: frozenset[int] = frozenset()  # ignored for admins; an agent with no creditor sees nothing

    @property
    def creditor_ids(self) -> frozenset[int] | None:
        """The ids of the creditors whose cases this viewer may see and act on; None = every creditor (admins).

        Pages filter their queries with it (`Case.creditor_id IN creditor_ids` unless None) and answer
        404, not 403, for a case outside it, so that its existence is not revealed.
        """
        return None if self.is_admin else self.scope

    def sees(self, creditor_id: int) -> bool:
        """Whether a case of this creditor is within the viewer's scope."""
        ids = self.creditor_ids
        return ids is None or creditor_id in ids

    @property
    def id(self) -> int:
        assert self.agent.id is not None
        return self.agent.id

    @property
    def is_admin(self) -> bool:
        return self.agent.role == AgentRole.ADMIN


def login_redirect(request: Request) -> HTTPException:
    """Send an unauthenticated request to the login page (303), remembering where it was going."""
    target = request.url.path if request.method == "GET" else f"{PREFIX}/"
    return HTTPException(303, "sign in first", headers={"Location": f"{PREFIX}/login?next={quote(target)}"})


class Console:
    """Per-application state of the console: the runtime and the cookie signer."""

    def __init__(self, runtime: Runtime, signer: Signer) -> None:
        self.runtime = runtime
        self.signer = signer

    def now(self) -> datetime:
        return self.runtime.now()

    def db(self) -> Iterator[Session]:
        """A session for one request (the handler commits)."""
        with self.runtime.session() as session:
            yield session

    def secure_cookies(self, request: Request) -> bool:
        public = self.runtime.settings.public_url or ""
        return request.url.scheme == "https" or public.startswith("https://")

    def signed_in(self, request: Request) -> tuple[Agent, SessionData] | None:
        data = self.signer.read_session(request.cookies.get(SESSION_COOKIE), self.now())
        if data is None:
            return None
        with self.runtime.session() as session:
            agent = session.get(Agent, data.agent_id)
            epoch = session_epoch(session, data.agent_id)
        if agent is None or not agent.active or password_fingerprint(agent) != data.fingerprint or epoch != data.epoch:
            return None
        return agent, data

    def viewer(self, request: Request) -> Viewer:
        """Dependency: the signed-in agent, else a redirect to the login page."""
        found = self.signed_in(request)
        if found is None:
            raise login_redirect(request)
        with self.runtime.session() as session:
            scope = creditor_scope(session, found[0]) or frozenset()
        viewer = Viewer(found[0], found[1].csrf, scope)
        request.state.console_viewer = viewer  # error pages show the logout button too
        return viewer

    async def poster(self, request: Request) -> Viewer:
        """Dependency for POSTs: the signed-in agent, and the form's CSRF token must match (403 otherwise)."""
        viewer = self.viewer(request)
        form = await request.form()
        token = form.get("csrf_token")
        if not isinstance(token, str) or not _tokens_match(viewer.csrf, token):
            log.warning("console: POST %s refused, bad CSRF token (agent %s)", request.url.path, viewer.id)
            raise HTTPException(403, "The form's security token is missing or stale: reload the page and try again.")
        return viewer

    def admin(self, request: Request) -> Viewer:
        """Dependency: an admin, else 403."""
        viewer = self.viewer(request)
        if not viewer.is_admin:
            raise HTTPException(403, "This page is for admins.")
        return viewer

    async def admin_poster(self, request: Request) -> Viewer:
        """Dependency for admin POSTs: CSRF checked, then the role."""
        viewer = await self.poster(request)
        if not viewer.is_admin:
            raise HTTPException(403, "This action is for admins.")
        return viewer

    def render(
        self, request: Request, name: str, viewer: Viewer | None, status_code: int = 200, **context: Any
    ) -> Response:
        """A page, with the signed-in agent, their CSRF token and the pending notice (then cleared)."""
        flash = self.signer.read_flash(request.cookies.get(FLASH_COOKIE))
        context.update(
            viewer=viewer, csrf_token=viewer.csrf if viewer else "", flash=flash, now=self.now(), prefix=PREFIX
        )
        response = TEMPLATES.TemplateResponse(request, name, context, status_code=status_code)
        if flash is not None:
            response.delete_cookie(FLASH_COOKIE, path=PREFIX)
        response.headers["Cache-Control"] = "no-store"
        return response

    def redirect(self, request: Request, url: str, *, notice: str | None = None, error: str | None = None) -> Response:
        """303 to `url`, carrying a one-time notice or error for the next page."""
        response = RedirectResponse(url, status_code=303)
        if notice or error:
            value = self.signer.flash("error" if error else "ok", error or notice or "")
            response.set_cookie(
                FLASH_COOKIE, value, path=PREFIX, httponly=True, samesite="lax", secure=self.secure_cookies(request)
            )
        return response


class ConsoleRoute(APIRoute):
    """Console routes answer errors with an HTML page (the rest of the app keeps its JSON errors)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            if await _has_nul(request):  # no database column takes one (PostgreSQL refuses the query)
                return _error_page(request, 400, "The request contains a NUL character.", None)
            try:
                return await handler(request)
            except HTTPException as exc:
                if exc.status_code < 400:
                    raise
                return _error_page(request, exc.status_code, str(exc.detail), exc.headers)
            except RequestValidationError as exc:
                if any(e["loc"] and e["loc"][0] == "path" for e in exc.errors()):
                    return _error_page(request, 404, "There is no such page.", None)  # e.g. /cases/abc
                fields = ", ".join(str(e["loc"][-1]) for e in exc.errors())
                return _error_page(request, 400, f"The form is incomplete or invalid ({fields}).", None)

        return handle


async def _has_nul(request: Request) -> bool:
    if "\x00" in request.url.path or any("\x00" in k or "\x00" in v for k, v in request.query_params.multi_items()):
        return True
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if request.method != "POST" or kind not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return False
    try:
        form = await request.form()  # parsed once: Starlette keeps it for the handler
    except Exception:
        return False  # the handler answers the malformed body
    return any("\x00" in k or (isinstance(v, str) and "\x00" in v) for k, v in form.multi_items())


def _error_page(request: Request, status: int, detail: str, headers: Mapping[str, str] | None) -> Response:
    viewer = getattr(request.state, "console_viewer", None)
    context = {"status": status, "detail": detail, "prefix": PREFIX, "viewer": viewer}
    body = TEMPLATES.get_template("error.html").render(context, csrf_token=viewer.csrf if viewer else "")
    return HTMLResponse(body, status_code=status, headers=headers)
