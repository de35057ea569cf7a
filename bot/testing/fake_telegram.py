"""A local server speaking the part of the Telegram Bot API that Relance uses, and Telegram's webhook.

Bot API side (`/bot<token>/<method>`, parameters as query, form or JSON like the real API):
getMe, getUpdates (long polling, offsets, 409 while a webhook is set), sendMessage (with
reply_markup), answerCallbackQuery, editMessageReplyMarkup, setWebhook, deleteWebhook,
getWebhookInfo. Anything else answers 404 ``method not found``, like Telegram, so a test that
relies on an unimplemented method fails loudly. A wrong token answers 401.

Update side: `text_update`, `callback_update`, `contact_update` build updates; `push_update`
queues one for getUpdates; `deliver` posts one to the registered webhook with its secret token.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections import deque
from types import TracebackType
from typing import Any

import httpx

from bot.testing.local_server import LocalServer, Reply, Request

_METHOD = re.compile(r"/bot(?P<token>[^/]+)/(?P<method>\w+)")
_INT_PARAMS = {"chat_id", "offset", "limit", "timeout", "message_id", "max_connections"}
_JSON_PARAMS = {"reply_markup", "allowed_updates", "entities", "link_preview_options", "reply_parameters"}
_CHAT_ID_BASE = 700_000_000


def ok(result: Any) -> Reply:
    return Reply.of_json(200, {"ok": True, "result": result})


def error(code: int, description: str, **extra: Any) -> Reply:
    return Reply.of_json(code, {"ok": False, "error_code": code, "description": description, **extra})


def _params(request: Request) -> dict[str, Any]:
    raw: dict[str, Any] = {**request.query, **request.form, **(request.json or {})}
    params: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, str) and key in _INT_PARAMS:
            value = int(value)
        elif isinstance(value, str) and key in _JSON_PARAMS:
            value = json.loads(value)
        params[key] = value
    return params


class FakeTelegram:
    """The fake Bot API; use as a context manager (`with FakeTelegram() as tg: Bot(tg.token, base_url=…)`)."""

    def __init__(
        self,
        *,
        token: str = "123456789:AAFakeTokenForTestsOnly_abcdefghijk",
        username: str = "relance_test_bot",
        port: int = 0,
    ) -> None:
        self.token = token
        self.bot_user = {
            "id": int(token.split(":")[0]),
            "is_bot": True,
            "first_name": "Relance",
            "username": username,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.sent: list[dict[str, Any]] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.webhook: dict[str, Any] | None = None
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(10_000)
        self._message_ids = itertools.count(1)
        self._blocked: set[int] = set()
        self._failures: deque[Reply] = deque()
        self._cond = threading.Condition()
        self._closing = False
        self._server = LocalServer(self._handle, port)
        self._client = httpx.Client(timeout=10)

    # ------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        """The API root (what `RELANCE_TELEGRAM_API_URL` is set to)."""
        return self._server.url

    @property
    def username(self) -> str:
        return str(self.bot_user["username"])

    def __enter__(self) -> FakeTelegram:
        self._server.start()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._server.stop()
        self._client.close()

    # ------------------------------------------------------------------ scripting and inspection

    def block(self, chat_id: int) -> None:
        """The user of `chat_id` blocked the bot: sendMessage answers 403."""
        with self._cond:
            self._blocked.add(chat_id)

    def fail_next(self, code: int, description: str, *, retry_after: int | None = None) -> None:
        """The next sendMessage fails with this Bot API error (429 with `retry_after` for flood control)."""
        extra = {"parameters": {"retry_after": retry_after}} if retry_after is not None else {}
        with self._cond:
            self._failures.append(error(code, description, **extra))

    def texts_to(self, chat_id: int) -> list[str]:
        with self._cond:
            return [m["text"] for m in self.sent if m["chat_id"] == chat_id]

    def wait_for_sent(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Block until at least `count` messages were sent (AssertionError after `timeout`)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.sent) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"expected {count} sent message(s), got {len(self.sent)}: {self.sent}")
                self._cond.wait(left)
            return list(self.sent)

    # ------------------------------------------------------------------ updates (Telegram -> us)

    def _user(self, chat_id: int, first_name: str) -> dict[str, Any]:
        return {"id": chat_id, "is_bot": False, "first_name": first_name, "language_code": "fr"}

    def _message(self, chat_id: int, first_name: str, **fields: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": first_name},
            "from": self._user(chat_id, first_name),
            **fields,
        }

    def text_update(self, chat_id: int, text: str, *, first_name: str = "Camille") -> dict[str, Any]:
        """An update carrying a text message (commands get their `bot_command` entity)."""
        fields: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            fields["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return {"update_id": next(self._update_ids), "message": self._message(chat_id, first_name, **fields)}

    def contact_update(
        self, chat_id: int, phone: str, *, user_id: int | None = None, first_name: str = "Camille"
    ) -> dict[str, Any]:
        """An update where the user shares a contact (their own when `user_id` is the chat's user)."""
        contact = {"phone_number": phone, "first_name": first_name, "user_id": chat_id if user_id is None else user_id}
        return {"update_id": next(self._update_ids), "message": self._message(chat_id, first_name, contact=contact)}

    def callback_update(
        self, chat_id: int, data: str, *, message: dict[str, Any] | None = None, first_name: str = "Camille"
    ) -> dict[str, Any]:
        """An update where the user tapped an inline button carrying `data`."""
        origin = message or self._message(chat_id, first_name, text="…")
        origin = {**origin, "from": self.bot_user}
        query = {
            "id": str(next(self._update_ids)),
            "from": self._user(chat_id, first_name),
            "chat_instance": str(chat_id),
            "message": origin,
            "data": data,
        }
        return {"update_id": next(self._update_ids), "callback_query": query}

    def push_update(self, update: dict[str, Any]) -> None:
        """Queue an update for getUpdates (long polling)."""
        with self._cond:
            self._updates.append(update)
            self._cond.notify_all()

    def deliver(self, update: dict[str, Any], *, secret_token: str | None = None) -> httpx.Response:
        """POST an update to the registered webhook, with its secret (or `secret_token` to test a wrong one)."""
        if self.webhook is None:
            raise AssertionError("no webhook is set (setWebhook was never called)")
        secret = self.webhook.get("secret_token") if secret_token is None else secret_token
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        return self._client.post(self.webhook["url"], json=update, headers=headers)

    def post_update(self, url: str, update: dict[str, Any], *, secret_token: str | None) -> httpx.Response:
        """POST an update to `url` as Telegram's webhook delivery does."""
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret_token} if secret_token is not None else {}
        return self._client.post(url, json=update, headers=headers)

    # ------------------------------------------------------------------ Bot API (us -> Telegram)

    def _handle(self, request: Request) -> Reply:
        match = _METHOD.fullmatch(request.path)
        if match is None:
            return error(404, "Not Found")
        if match["token"] != self.token:
            return error(401, "Unauthorized")
        try:
            params = _params(request)
        except (ValueError, json.JSONDecodeError) as exc:
            return error(400, f"Bad Request: {exc}")
        method = match["method"].lower()
        with self._cond:
            self.calls.append((match["method"], params))
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return error(404, "Not Found: method not found")
        return handler(params)

    def _m_getme(self, params: dict[str, Any]) -> Reply:
        return ok(self.bot_user)

    def _m_sendmessage(self, params: dict[str, Any]) -> Reply:
        chat_id, text = params.get("chat_id"), params.get("text")
        if not isinstance(chat_id, int) or not text:
            return error(400, "Bad Request: chat_id and text are required")
        if len(text) > 4096:
            return error(400, "Bad Request: message is too long")
        with self._cond:
            if self._failures:
                return self._failures.popleft()
            if chat_id in self._blocked:
                return error(403, "Forbidden: bot was blocked by the user")
            message = {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": self.bot_user,
                "text": text,
            }
            markup = params.get("reply_markup")
            if isinstance(markup, dict) and "inline_keyboard" in markup:
                message["reply_markup"] = markup  # like Telegram: a sent Message carries only inline keyboards
            self.sent.append(
                {
                    "chat_id": chat_id,
                    "text": text,
                    "reply_markup": params.get("reply_markup"),
                    "message_id": message["message_id"],
                }
            )
            self._cond.notify_all()
        return ok(message)

    def _m_answercallbackquery(self, params: dict[str, Any]) -> Reply:
        return ok(True) if params.get("callback_query_id") else error(400, "Bad Request: query id is required")

    def _m_editmessagereplymarkup(self, params: dict[str, Any]) -> Reply:
        if not params.get("chat_id") or not params.get("message_id"):
            return error(400, "Bad Request: chat_id and message_id are required")
        return ok(
            {
                "message_id": params["message_id"],
                "date": int(time.time()),
                "chat": {"id": params["chat_id"], "type": "private"},
                "text": "…",
            }
        )

    def _m_setwebhook(self, params: dict[str, Any]) -> Reply:
        if not params.get("url"):
            return error(400, "Bad Request: url is required")
        with self._cond:
            self.webhook = {"url": params["url"], "secret_token": params.get("secret_token")}
        return ok(True)

    def _m_deletewebhook(self, params: dict[str, Any]) -> Reply:
        with self._cond:
            self.webhook = None
            if str(params.get("drop_pending_updates", "")).lower() == "true":
                self._updates.clear()
        return ok(True)

    def _m_getwebhookinfo(self, params: dict[str, Any]) -> Reply:
        with self._cond:
            url = self.webhook["url"] if self.webhook else ""
            return ok({"url": url, "has_custom_certificate": False, "pending_update_count": len(self._updates)})

    def _m_getupdates(self, params: dict[str, Any]) -> Reply:
        offset, limit = params.get("offset", 0), min(params.get("limit", 100), 100)
        deadline = time.monotonic() + min(params.get("timeout", 0), 30)
        with self._cond:
            if self.webhook is not None:
                return error(409, "Conflict: can't use getUpdates method while webhook is active")
            if offset:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and not self._closing and (left := deadline - time.monotonic()) > 0:
                self._cond.wait(left)
            return ok(self._updates[:limit])
