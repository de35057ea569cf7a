"""The Telegram bot: python-telegram-bot's `Application` fed by our webhook (or long polling), wired
to binding, keywords and the dialogue.

Handlers are small; each runs its database work in a worker thread (`_db`) and then answers through
the `TelegramChannel`, so replies are stored first and their fate recorded after (a transient
failure leaves the reply in the outbox for the dispatcher). Updates of one chat are handled one at
a time (striped locks), in the order they arrive. Nothing about a debt is written to a chat that is
not bound to its debtor.

Exactly what is sent is stored, once: the request to share one's contact (an unbound chat) is a
row of its own, settled right after sending like every reply. A replayed update (same chat and
message id, or callback id) changes nothing and sends nothing, whatever its type.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from sqlmodel import Session
from telegram import KeyboardButton, ReplyKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from bot.case_messages import render_for_case
from bot.channels.telegram import TelegramChannel
from bot.db_runner import DbRunner
from bot.inbound import (
    Disposition,
    Inbound,
    Outcome,
    Reply,
    already_received,
    case_for_chat,
    receive,
    settle_reply,
    store_inbound,
    store_replies,
)
from bot.optout import opt_in
from bot.telegram_binding import bind_by_contact, redeem_chat_link
from bot.telegram_texts import COMMON_CHOICES, TEXTS, language
from messages.render import Renderer
from relance.core.db import session_scope
from relance.core.errors import ChannelError, PermanentChannelError
from relance.core.models import Debtor, MessageStatus
from relance.core.runtime import Runtime

log = logging.getLogger(__name__)
T = TypeVar("T")
LOCK_STRIPES = 64


class TelegramBot:
    """Our handlers on a PTB `Application` (built with `.updater(None)` when fed by the webhook)."""

    def __init__(
        self,
        runtime: Runtime,
        channel: TelegramChannel,
        renderer: Renderer,
        *,
        polling: bool,
        db: DbRunner | None = None,
    ) -> None:
        self.runtime = runtime
        self.db = db or DbRunner(runtime.engine)
        self.channel = channel
        self.renderer = renderer
        self.polling = polling
        builder = Application.builder().bot(channel.bot).concurrent_updates(False)
        if not polling:
            builder = builder.updater(None)
        self.application = builder.build()
        self._locks = [asyncio.Lock() for _ in range(LOCK_STRIPES)]
        self._add_handlers()

    def _add_handlers(self) -> None:
        app = self.application
        app.add_handler(CommandHandler("start", self.on_start))
        app.add_handler(MessageHandler(filters.CONTACT, self.on_contact))
        app.add_handler(MessageHandler(filters.TEXT, self.on_text))  # /stop, /help and free text
        app.add_handler(CallbackQueryHandler(self.on_choice))
        app.add_error_handler(self.on_error)

    # ------------------------------------------------------------------ lifecycle

    @property
    def ready(self) -> bool:
        return self.application.running

    async def start(self, *, webhook_url: str | None, secret: str | None) -> None:
        """getMe, then either register our webhook (with its secret) or start long polling."""
        await self.application.initialize()
        if self.polling:
            await self.application.start()
            assert self.application.updater is not None
            await self.application.updater.start_polling(allowed_updates=["message", "callback_query"])
        else:
            assert webhook_url and secret, "webhook mode needs RELANCE_PUBLIC_URL and RELANCE_TELEGRAM_WEBHOOK_SECRET"
            await self.application.bot.set_webhook(
                url=webhook_url, secret_token=secret, allowed_updates=["message", "callback_query"]
            )
            await self.application.start()
        log.info("telegram bot @%s ready (%s)", self.application.bot.username, "polling" if self.polling else "webhook")

    async def stop(self) -> None:
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()

    # ------------------------------------------------------------------ feeding updates

    def parse(self, payload: dict[str, Any]) -> Update:
        """The `Update` in a webhook body; `ValueError` when it is not one (the route answers 400)."""
        check_update_shape(payload)
        try:
            update = Update.de_json(payload, self.application.bot)
            update.effective_chat  # noqa: B018 - touching it validates the nested objects' shape
        except Exception as exc:  # hostile JSON can break PTB's parsing in many ways: all mean "not an update"
            raise ValueError(f"not a Telegram update: {type(exc).__name__}") from None
        return update

    async def process(self, update: Update) -> None:
        """Handle one update posted to our webhook (already authenticated by the route), in chat order."""
        chat = update.effective_chat
        async with self._locks[(chat.id if chat else 0) % LOCK_STRIPES]:
            await self.application.process_update(update)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram update failed", exc_info=context.error)

    # ------------------------------------------------------------------ handlers

    async def on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat_id = update.effective_chat.id  # type: ignore[union-attr]
        token = context.args[0] if context.args else None
        lang = language(update.effective_user.language_code if update.effective_user else None)
        inbound = self._inbound(update, "/start")  # the token itself is never stored
        ask = TEXTS[lang]["link_invalid" if token else "unbound"]
        replies, bound = await self._db(lambda s: self._start(s, inbound, chat_id, token, ask))
        if bound:
            await self._send(chat_id, replies)
        else:
            await self._ask_for_contact(chat_id, replies, lang)

    def _start(
        self, session: Session, inbound: Inbound, chat_id: int, token: str | None, ask: str
    ) -> tuple[list[Reply], bool]:
        now = self.runtime.now()
        if already_received(session, inbound):
            return [], True  # a replay: stored and answered the first time
        if token:
            redeem_chat_link(session, token=token, chat_id=chat_id, now=now)
        case = case_for_chat(session, chat_id)
        store_inbound(session, inbound.storable(), case, now)
        if case is None:
            return self._store_ask(session, inbound, ask, now), False
        opt_in(
            session,
            channel="telegram",
            address=inbound.address,
            sender=inbound.sender,
            source="telegram_start",
            at=now,
            debtor_id=case.debtor_id,
        )
        return self._welcome(session, inbound, case, now), True

    def _welcome(self, session: Session, inbound: Inbound, case: Any, now: Any) -> list[Reply]:
        rendered = render_for_case(
            session, self.renderer, self.runtime.config, case=case, name="info", channel="telegram"
        )
        debtor = session.get(Debtor, case.debtor_id)
        choices = COMMON_CHOICES[language(debtor.locale if debtor else None)]
        grace = timedelta(minutes=self.runtime.config.caps.reply_grace_minutes)
        reply = Reply(rendered.text, choices)
        return store_replies(session, inbound, case, [reply], now, MessageStatus.SENDING, grace=grace)

    async def on_contact(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        assert message is not None and message.contact is not None and user is not None
        chat_id, lang = message.chat_id, language(user.language_code)
        own = message.contact.user_id == user.id  # someone else's contact proves nothing
        inbound = self._inbound(update, "[contact shared]")
        phone = message.contact.phone_number
        ask = TEXTS[lang]["contact_unknown" if own else "not_own_contact"]
        replies, bound = await self._db(lambda s: self._contact(s, inbound, chat_id, phone if own else None, ask))
        if bound:
            await self._send(chat_id, replies)
        else:
            await self._ask_for_contact(chat_id, replies, lang)

    def _contact(
        self, session: Session, inbound: Inbound, chat_id: int, phone: str | None, ask: str
    ) -> tuple[list[Reply], bool]:
        now = self.runtime.now()
        if already_received(session, inbound):
            return [], True  # a replay: the chat is bound (or not) already, the answer went the first time
        bound = bind_by_contact(session, chat_id=chat_id, phone=phone, now=now) if phone else []
        case = case_for_chat(session, chat_id) if bound else None
        store_inbound(session, inbound.storable(), case, now)
        if case is None:
            return self._store_ask(session, inbound, ask, now), False
        return self._welcome(session, inbound, case, now), True

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None and message.text is not None
        await self._converse(update, message.chat_id, message.text)

    async def on_choice(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        chat_id = update.effective_chat.id if update.effective_chat else query.from_user.id
        await self._converse(update, chat_id, choice_label(query.message, query.data) or query.data or "")

    async def _converse(self, update: Update, chat_id: int, text: str) -> None:
        inbound = self._inbound(update, text)
        lang = language(update.effective_user.language_code if update.effective_user else None)
        ask = TEXTS[lang]["unbound"]
        outcome = await self._db(lambda s: self._receive(s, inbound, chat_id, ask))
        if outcome.disposition == Disposition.DUPLICATE:
            return  # a replayed update: its answers were sent (or are in the outbox) the first time
        if outcome.disposition == Disposition.UNKNOWN_SENDER:
            await self._ask_for_contact(chat_id, outcome.replies, lang)
        else:
            await self._send(chat_id, outcome.replies)

    def _receive(self, session: Session, inbound: Inbound, chat_id: int, ask: str) -> Outcome:
        now = self.runtime.now()
        outcome = receive(
            session,
            inbound,
            case=case_for_chat(session, chat_id),
            now=now,
            config=self.runtime.config,
            renderer=self.renderer,
            reply_status=MessageStatus.SENDING,
            answer_strangers=False,  # an unbound chat is asked to bind, not given the SMS generic answer
        )
        if outcome.disposition == Disposition.UNKNOWN_SENDER:
            outcome.replies = self._store_ask(session, inbound, ask, now)
        return outcome

    def _store_ask(self, session: Session, inbound: Inbound, text: str, now: Any) -> list[Reply]:
        """The request to share one's contact, stored as the one reply that is sent (then settled)."""
        grace = timedelta(minutes=self.runtime.config.caps.reply_grace_minutes)
        return store_replies(session, inbound.storable(), None, [Reply(text)], now, MessageStatus.SENDING, grace=grace)

    # ------------------------------------------------------------------ helpers

    def _inbound(self, update: Update, text: str) -> Inbound:
        chat = update.effective_chat
        assert chat is not None
        if update.callback_query is not None:
            provider_id = f"cb:{update.callback_query.id}"
        else:
            provider_id = (
                f"{chat.id}:{update.effective_message.message_id if update.effective_message else update.update_id}"
            )
        user = update.effective_user
        locale = user.language_code if user else None
        return Inbound("telegram", str(chat.id), self.channel.sender, text, provider_id, locale=language(locale))

    async def _db(self, work: Callable[[Session], T]) -> T:
        def run() -> T:
            with session_scope(self.runtime.engine) as session:
                return work(session)

        return await self.db(run)

    async def _send(self, chat_id: int, replies: list[Reply]) -> None:
        """Send stored replies in order and record how each went."""
        for reply in replies:
            try:
                result = await self.channel.send_choices(str(chat_id), reply.text, reply.choices)
            except ChannelError as exc:
                log.warning("telegram reply to chat %s failed: %s", chat_id, exc)
                await self._settle(reply, error=exc)
            else:
                await self._settle(reply, provider_id=result.provider_id, status=MessageStatus(result.status))

    async def _settle(
        self,
        reply: Reply,
        *,
        provider_id: str | None = None,
        status: MessageStatus | None = None,
        error: ChannelError | None = None,
    ) -> None:
        if reply.message_id is None:
            return
        message_id, at = reply.message_id, self.runtime.now()

        def work(session: Session) -> None:
            settle_reply(session, message_id=message_id, at=at, provider_id=provider_id, status=status, error=error)

        await self._db(work)

    async def _ask_for_contact(self, chat_id: int, replies: list[Reply], lang: str) -> None:
        """The stored request (a fixed text, nothing about any debt) with a button sharing one's own number.

        Settled at once either way: the dispatcher could not rebuild the contact button, so a failure
        is recorded as such instead of leaving a row to be sent later without it.
        """
        keyboard = ReplyKeyboardMarkup(
            [[KeyboardButton(TEXTS[lang]["share_button"], request_contact=True)]],
            one_time_keyboard=True,
            resize_keyboard=True,
        )
        for reply in replies:
            try:
                sent = await self.channel.bot.send_message(chat_id=chat_id, text=reply.text, reply_markup=keyboard)
            except Exception as exc:
                log.warning("telegram: could not answer unbound chat %s", chat_id, exc_info=True)
                await self._settle(reply, error=PermanentChannelError(f"telegram: {exc}"[:500], code="ask_failed"))
            else:
                await self._settle(reply, provider_id=f"{chat_id}:{sent.message_id}", status=MessageStatus.SENT)


_INT_FIELDS = {"update_id", "message_id", "date", "user_id", "edit_date", "message_thread_id"}
_STR_FIELDS = {"text", "data", "phone_number", "first_name", "last_name", "username", "language_code", "type",
               "title", "chat_instance", "inline_message_id", "caption"}  # fmt: skip
_ID_HOLDERS = {"chat", "from", "user", "sender_chat", "forward_from", "forward_from_chat", "via_bot"}
MAX_TELEGRAM_ID = 2**63 - 1
MAX_DEPTH = 12


def check_update_shape(payload: Any) -> None:
    """Refuse (ValueError) an update whose known fields have the wrong type: PTB builds objects from
    whatever JSON it is given (a chat id "abc", null or 1.5), which would fail deep in a handler."""
    if not isinstance(payload, dict) or not _is_int(payload.get("update_id")):
        raise ValueError("an update needs an integer update_id")
    _check_object(payload, parent="", depth=0)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_TELEGRAM_ID


def _check_object(obj: dict[str, Any], *, parent: str, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise ValueError("the update nests too deeply")
    if parent in _ID_HOLDERS and not _is_int(obj.get("id")):
        raise ValueError(f"{parent}.id must be an integer")
    if parent == "callback_query" and not isinstance(obj.get("id"), str):
        raise ValueError("callback_query.id must be a string")
    for key, value in obj.items():
        if key in _INT_FIELDS and not _is_int(value):
            raise ValueError(f"{key} must be an integer")
        if key in _STR_FIELDS and value is not None and not isinstance(value, str):
            raise ValueError(f"{key} must be a string")
        if key in _ID_HOLDERS or key in {"message", "edited_message", "callback_query", "contact", "reply_to_message"}:
            if not isinstance(value, dict):
                raise ValueError(f"{key} must be an object")
            _check_object(value, parent=key, depth=depth + 1)
        elif isinstance(value, dict):
            _check_object(value, parent=key, depth=depth + 1)
        elif isinstance(value, list):
            _check_list(value, parent=key, depth=depth + 1)


def _check_list(items: list[Any], *, parent: str, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise ValueError("the update nests too deeply")
    for item in items:
        if isinstance(item, dict):
            _check_object(item, parent=parent, depth=depth + 1)
        elif isinstance(item, list):
            _check_list(item, parent=parent, depth=depth + 1)


def choice_label(message: Any, data: str | None) -> str | None:
    """The label of the inline button that carried `data` (what the debtor saw and tapped)."""
    markup = getattr(message, "reply_markup", None)
    for row in getattr(markup, "inline_keyboard", ()) or ():
        for button in row:
            if button.callback_data == data:
                return str(button.text)
    return None
