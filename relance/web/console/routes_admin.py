"""Admin pages: agent accounts and the effective configuration (secrets masked)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request, Response
from sqlmodel import Session

from relance.core.agents import create_agent, list_agents, set_active
from relance.core.config import masked_settings
from relance.core.errors import RelanceError
from relance.core.models import Agent
from relance.web.console.context import PREFIX, Console, Viewer


def add_admin_routes(router: APIRouter, console: Console) -> None:
    """GET/POST /admin/agents, POST /admin/agents/{id}/active, GET /admin/config."""

    @router.get("/admin/agents")
    def agents_page(
        request: Request, viewer: Viewer = Depends(console.admin), session: Session = Depends(console.db)
    ) -> Response:
        return console.render(request, "admin_agents.html", viewer, agents=list_agents(session))

    @router.post("/admin/agents")
    def add_agent(
        request: Request,
        email: Annotated[str, Form(max_length=254)],
        name: Annotated[str, Form(max_length=200)],
        password: Annotated[str, Form(max_length=1024)],
        role: Annotated[str, Form(pattern="^(agent|admin)$")] = "agent",
        viewer: Viewer = Depends(console.admin_poster),
        session: Session = Depends(console.db),
    ) -> Response:
        try:
            agent = create_agent(
                session,
                email=email,
                name=name,
                password=password,
                admin=role == "admin",
                at=console.now(),
                created_by=viewer.id,
            )
            session.commit()
        except RelanceError as exc:
            session.rollback()
            return console.redirect(request, f"{PREFIX}/admin/agents", error=str(exc))
        return console.redirect(request, f"{PREFIX}/admin/agents", notice=f"Account {agent.email} created.")

    @router.post("/admin/agents/{agent_id}/active")
    def toggle_agent(
        request: Request,
        agent_id: int,
        active: Annotated[bool, Form()],
        viewer: Viewer = Depends(console.admin_poster),
        session: Session = Depends(console.db),
    ) -> Response:
        agent = session.get(Agent, agent_id)
        if agent is None:
            raise HTTPException(404, "No such account.")
        try:
            set_active(session, agent=agent, active=active, at=console.now(), by=viewer.id)
            session.commit()
        except RelanceError as exc:
            session.rollback()
            return console.redirect(request, f"{PREFIX}/admin/agents", error=str(exc))
        state = "enabled" if active else "disabled"
        return console.redirect(request, f"{PREFIX}/admin/agents", notice=f"Account {agent.email} {state}.")

    @router.get("/admin/config")
    def config_page(request: Request, viewer: Viewer = Depends(console.admin)) -> Response:
        settings = json.dumps(masked_settings(console.runtime.settings), indent=2, ensure_ascii=False, default=str)
        config = json.dumps(console.runtime.config.model_dump(mode="json"), indent=2, ensure_ascii=False)
        return console.render(request, "admin_config.html", viewer, settings=settings, config=config)
