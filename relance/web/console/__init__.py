"""The agents' web console under `/console`: queue, cases list, case pages, actions, dashboard, case files.

Server-rendered Jinja2 pages, a little CSS, and one small script (live updates by Server-Sent
Events, the agent's time zone); every page works without it. `console_router(runtime)` gives the
FastAPI router; `mount_console(app, runtime)` adds it to an application.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, RedirectResponse, Response

from relance.core.runtime import Runtime
from relance.web.console import formatting
from relance.web.console.context import PREFIX, STATIC, TEMPLATES, Console, ConsoleRoute
from relance.web.console.routes_admin import add_admin_routes
from relance.web.console.routes_auth import add_auth_routes
from relance.web.console.routes_cases import add_case_actions, add_case_page, add_notice_routes, add_queue_routes
from relance.web.console.routes_work import add_list_routes, add_work_actions
from relance.web.console.security import Signer, secret_key
from relance.web.console.thread import raw_json

__all__ = ["console_router", "mount_console"]

formatting.install(TEMPLATES.env)
TEMPLATES.env.globals["raw_json"] = raw_json


def console_router(runtime: Runtime) -> APIRouter:
    """The console's routes, bound to `runtime` (signing key read or created now)."""
    console = Console(runtime, Signer(secret_key(runtime.settings, runtime.engine, runtime.now())))
    router = APIRouter(prefix=PREFIX, route_class=ConsoleRoute, include_in_schema=False)

    @router.get("")
    def root() -> Response:
        return RedirectResponse(f"{PREFIX}/", status_code=307)

    @router.get("/static/console.css")
    def stylesheet() -> Response:
        return FileResponse(STATIC / "console.css", media_type="text/css")

    @router.get("/static/console.js")
    def script() -> Response:
        return FileResponse(STATIC / "console.js", media_type="text/javascript")

    add_auth_routes(router, console)
    add_queue_routes(router, console)
    add_list_routes(router, console)
    add_case_page(router, console)
    add_case_actions(router, console)
    add_work_actions(router, console)
    add_notice_routes(router, console)
    add_admin_routes(router, console)
    return router


def mount_console(app: FastAPI, runtime: Runtime) -> None:
    """Serve the console under /console in `app`; the site's root leads there."""
    app.include_router(console_router(runtime))
    if not any(getattr(route, "path", None) == "/" for route in app.routes):

        @app.get("/", include_in_schema=False)
        def site_root() -> Response:
            return RedirectResponse(f"{PREFIX}/", status_code=307)
