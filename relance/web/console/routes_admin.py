"""Admin pages: agent accounts and the effective configuration (secrets masked)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Form, HTTPException, Request, Response
from sqlmodel import Session

from relance.core.agents import create_agent, list_agents, set_active, set_creditors, unlock_sign_in
from relance.core.config import masked_settings
from relance.core.errors import RelanceError
from relance.core.models import Agent, AgentCreditor, Creditor, valid_id
from relance.web.console.context import PREFIX, Console, Viewer

AGENTS_PAGE = f"{PREFIX}/admin/agents"


def _account(session: Session, agent_id: int) -> Agent:
    """The account, or 404."""
    agent = session.get(Agent, agent_id) if valid_id(agent_id) else None
    if agent is None:
        raise HTTPException(404, "No such account.")
    return agent


def _change(console: Console, request: Request, session: Session, act: Callable[[], str]) -> Response:
    """Run an admin change, commit it, and go back to the agents page with its outcome or its error."""
    try:
        notice = act()
        session.commit()
    except RelanceError as exc:
        session.rollback()
        return console.redirect(request, AGENTS_PAGE, error=str(exc))
    return console.redirect(request, AGENTS_PAGE, notice=notice)


def add_admin_routes(router: APIRouter, console: Console) -> None:
    """GET/POST /admin/agents, POST /admin/agents/{id}/active, GET /admin/config."""

    @router.get("/admin/agents")
    def agents_page(
        request: Request, viewer: Viewer = Depends(console.admin), session: Session = Depends(console.db)
    ) -> Response:
        creditors = list(session.execute(sa.select(Creditor).order_by(Creditor.name)).scalars())  # type: ignore[arg-type]
        scopes: dict[int, set[int]] = {}
        for link in session.execute(sa.select(AgentCreditor)).scalars():
            scopes.setdefault(link.agent_id, set()).add(link.creditor_id)
        return console.render(
            request, "admin_agents.html", viewer, agents=list_agents(session), creditors=creditors, scopes=scopes
        )

    @router.post("/admin/agents")
    def add_agent(
        request: Request,
        email: Annotated[str, Form(max_length=254)],
        name: Annotated[str, Form(max_length=200)],
        password: Annotated[str, Form(max_length=1024)],
        role: Annotated[str, Form(pattern="^(agent|admin)$")] = "agent",
        creditors: Annotated[list[int], Form(max_length=1000)] = [],  # noqa: B006 - FastAPI copies defaults
        viewer: Viewer = Depends(console.admin_poster),
        session: Session = Depends(console.db),
    ) -> Response:
        def act() -> str:
            agent = create_agent(
                session,
                email=email,
                name=name,
                password=password,
                admin=role == "admin",
                at=console.now(),
                created_by=viewer.id,
                creditor_ids=[c for c in creditors if valid_id(c)],
            )
            return f"Account {agent.email} created."

        return _change(console, request, session, act)

    @router.post("/admin/agents/{agent_id}/active")
    def toggle_agent(
        request: Request,
        agent_id: int,
        active: Annotated[bool, Form()],
        viewer: Viewer = Depends(console.admin_poster),
        session: Session = Depends(console.db),
    ) -> Response:
        agent = _account(session, agent_id)

        def act() -> str:
            set_active(session, agent=agent, active=active, at=console.now(), by=viewer.id)
            return f"Account {agent.email} {'enabled' if active else 'disabled'}."

        return _change(console, request, session, act)

    @router.post("/admin/agents/{agent_id}/creditors")
    def agent_creditors(
        request: Request,
        agent_id: int,
        creditors: Annotated[list[int], Form(max_length=1000)] = [],  # noqa: B006 - FastAPI copies defaults
        viewer: Viewer = Depends(console.admin_poster),
        session: Session = Depends(console.db),
    ) -> Response:
        agent = _account(session, agent_id)

        def act() -> str:
            set_creditors(
                session, agent=agent, creditor_ids=[c for c in creditors if valid_id(c)], at=console.now(), by=viewer.id
            )
            return f"Creditors of {agent.email} saved."

        return _change(console, request, session, act)

    @router.post("/admin/sign-in/unlock")
    def unlock(
        request: Request,
        email: Annotated[str, Form(max_length=254)] = "",
        client: Annotated[str, Form(max_length=64)] = "",
        viewer: Viewer = Depends(console.admin_poster),
        session: Session = Depends(console.db),
    ) -> Response:
        def act() -> str:
            cleared = unlock_sign_in(
                session, at=console.now(), by=viewer.id, email=email.strip() or None, client=client.strip() or None
            )
            return f"{cleared} failed sign-in(s) cleared."

        return _change(console, request, session, act)

    @router.get("/admin/config")
    def config_page(request: Request, viewer: Viewer = Depends(console.admin)) -> Response:
        settings = json.dumps(masked_settings(console.runtime.settings), indent=2, ensure_ascii=False, default=str)
        config = json.dumps(console.runtime.config.model_dump(mode="json"), indent=2, ensure_ascii=False)
        return console.render(request, "admin_config.html", viewer, settings=settings, config=config)
