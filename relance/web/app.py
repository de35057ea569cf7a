"""The FastAPI application: health check, provider webhooks, and the agent console when installed.

`create_app(runtime)` builds it; `relance serve` runs it under uvicorn. At start-up every channel
is started in the background: a provider that cannot be reached is logged and retried with
back-off while the server (and the other channel) keep working. Telegram is fed by our webhook when
`RELANCE_PUBLIC_URL` and `RELANCE_TELEGRAM_WEBHOOK_SECRET` are set, by long polling otherwise.
Other parts of the process (scheduler, dispatcher) join through `services`: async context
managers entered after the channels start and left before they stop. Before any of them, and
before uvicorn listens, `bot.warm_up` builds what the first messages would otherwise build lazily.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from fastapi import FastAPI, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from bot.channels.base import ChannelAdapter
from bot.channels.factory import channels_from_settings
from bot.channels.telegram import TelegramChannel
from bot.db_runner import DbRunner
from bot.telegram_bot import TelegramBot
from bot.warm_up import warm_up
from messages.render import Renderer
from relance.core import paths
from relance.core.runtime import Runtime
from relance.web import email_routes, readiness, stripe_routes, telegram_routes, twilio_routes
from relance.web.api import API_MAX_BODY_BYTES, API_PREFIX, api_app
from relance.web.context import WebContext
from relance.web.headers import SecurityHeaders
from relance.web.limits import MAX_BODY_BYTES, BodySizeLimit

log = logging.getLogger(__name__)

Service = Callable[[FastAPI], AbstractAsyncContextManager[Any]]
RETRY_FIRST, RETRY_MAX = 1.0, 60.0


async def keep_trying(what: str, attempt: Callable[[], Awaitable[None]], *, first: float = RETRY_FIRST) -> None:
    """Run `attempt` until it succeeds, logging each failure and waiting longer each time (up to a minute)."""
    delay = first
    while True:
        try:
            await attempt()
            return
        except Exception as exc:
            log.warning("%s failed (%s: %s); retrying in %.0f s", what, type(exc).__name__, exc, delay)
        await asyncio.sleep(delay)
        delay = min(delay * 2, RETRY_MAX)


def telegram_bot_for(
    runtime: Runtime, channels: dict[str, ChannelAdapter], renderer: Renderer, db: DbRunner
) -> TelegramBot | None:
    """The bot when Telegram is configured: webhook mode with a public URL and a secret, polling otherwise."""
    channel = channels.get("telegram")
    if not isinstance(channel, TelegramChannel):
        return None
    settings = runtime.settings
    webhook = bool(settings.public_url and settings.telegram_webhook_secret)
    if settings.public_url and not webhook:
        log.warning("RELANCE_TELEGRAM_WEBHOOK_SECRET is not set: Telegram uses long polling, not the webhook")
    return TelegramBot(runtime, channel, renderer, polling=not webhook, db=db)


async def _start_telegram(web: WebContext) -> None:
    assert web.telegram is not None
    settings = web.runtime.settings
    url = paths.public(settings.public_url, paths.TELEGRAM) if settings.public_url else None
    secret = settings.telegram_webhook_secret.get_secret_value() if settings.telegram_webhook_secret else None
    await web.telegram.start(webhook_url=url, secret=secret)


@contextlib.asynccontextmanager
async def _channels_running(web: WebContext) -> AsyncIterator[None]:
    tasks = [
        asyncio.create_task(keep_trying(f"starting the {name} channel", channel.start))
        for name, channel in web.channels.items()
        if not (web.telegram is not None and channel is web.telegram.channel)
    ]
    if web.telegram is not None:
        tasks.append(asyncio.create_task(keep_trying("starting the telegram bot", lambda: _start_telegram(web))))
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if web.telegram is not None:
            await _quietly(web.telegram.stop(), "stopping the telegram bot")
        for name, channel in web.channels.items():
            await _quietly(channel.close(), f"closing the {name} channel")
        web.db.close()


async def _quietly(step: Awaitable[None], what: str) -> None:
    try:
        await step
    except Exception:
        log.warning("%s failed", what, exc_info=True)


def create_app(
    runtime: Runtime,
    *,
    channels: dict[str, ChannelAdapter] | None = None,
    renderer: Renderer | None = None,
    services: Sequence[Service] = (),
    max_body_bytes: int = MAX_BODY_BYTES,
    console: bool = True,
) -> FastAPI:
    """The web application of one process (`console=False` leaves the agent console out)."""
    renderer = renderer or Renderer.from_config(runtime.config)
    if channels is None:
        channels = channels_from_settings(runtime.settings, runtime.config, runtime.engine)
    db = DbRunner(runtime.engine)
    web = WebContext(runtime, channels, renderer, db, telegram_bot_for(runtime, channels, renderer, db))

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with _channels_running(web), contextlib.AsyncExitStack() as stack:
            # before uvicorn listens: what the first requests would otherwise build while a burst waits
            await asyncio.to_thread(warm_up, renderer, today=runtime.now().date())
            for service in services:
                await stack.enter_async_context(service(app))
            yield

    app = FastAPI(title="Relance", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.relance = web
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes, wider={API_PREFIX + "/": API_MAX_BODY_BYTES})
    app.add_middleware(SecurityHeaders, https=(runtime.settings.public_url or "").startswith("https://"))
    app.router.routes[:0] = twilio_routes.routes  # first: the route of most requests is matched first
    app.include_router(twilio_routes.router)
    app.include_router(telegram_routes.router)
    app.include_router(email_routes.router)
    app.include_router(stripe_routes.router)
    app.mount(API_PREFIX, api_app(web))

    @app.get(paths.HEALTH)
    def healthz() -> dict[str, Any]:
        """Liveness, and which channels are ready."""
        telegram = "ready" if web.telegram and web.telegram.ready else ("starting" if web.telegram else "console")
        return {
            "status": "ok",
            "channels": {name: type(c).__name__ for name, c in channels.items()},
            "telegram": telegram,
        }

    @app.get(paths.READY)
    async def readyz() -> Response:
        """Readiness: database writable, schema current, scheduler role known, channels up; 503 with the reasons."""
        checks = {
            "database": await run_in_threadpool(readiness.database_writable, runtime.engine),
            "migrations": await run_in_threadpool(readiness.migrations_current, runtime.engine),
            "scheduler": readiness.scheduler_state(getattr(app.state, "background", None)),
            "channels": readiness.channels_ready(channels, web.telegram),
        }
        ready = all(c.ok for c in checks.values())
        body = {
            "status": "ready" if ready else "not ready",
            "checks": {name: {"ok": c.ok, "detail": c.detail} for name, c in checks.items()},
            "reasons": [f"{name}: {c.detail}" for name, c in checks.items() if not c.ok],
        }
        return JSONResponse(body, status_code=200 if ready else 503, headers={"Cache-Control": "no-store"})

    if console:
        _mount_console(app, runtime)
    return app


def _mount_console(app: FastAPI, runtime: Runtime) -> None:
    """The agent console (`relance.web.console`), when that package is present."""
    try:
        from relance.web.console import mount_console
    except ModuleNotFoundError as exc:
        if exc.name != "relance.web.console":
            raise
        return
    mount_console(app, runtime)


def bare_endpoint_app() -> FastAPI:
    """A FastAPI app with one trivial POST route: the baseline of `bench/webhook.py`."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.post("/bare")
    async def bare() -> Response:
        return Response("<Response/>", media_type="text/xml")

    return app
