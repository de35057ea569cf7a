"""The Telegram bot: python-telegram-bot's `Application` fed by our webhook (or long polling), wired
to binding, keywords and the dialogue.

Handlers are small; each runs its database work in a worker thread (`_db`) and then answers through
the `TelegramChannel`, so replies are stored first and their fate recorded after (a transient
failure leaves the reply in the outbox for the dispatcher). Updates of one chat are handled one at
a time (striped locks), in the order they arrive. Nothing about a debt is written to a chat that is
not bound to its debtor.
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
from relance.core.errors import ChannelError
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
        if not isinstance(payload.get("update_id"), int):
            raise ValueError("an update needs an integer update_id")
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
        replies, bound = await self._db(lambda s: self._start(s, inbound, chat_id, token))
        if bound:
            await self._send(chat_id, replies)
        else:
            await self._ask_for_contact(chat_id, replies, "link_invalid" if token else "unbound", lang)

    def _start(self, session: Session, inbound: Inbound, chat_id: int, token: str | None) -> tuple[list[Reply], bool]:
        now = self.runtime.now()
        if token:
            redeem_chat_link(session, token=token, chat_id=chat_id, now=now)
        case = case_for_chat(session, chat_id)
        store_inbound(session, inbound, case, now)
        if case is None:
            return [], False
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
        replies, bound = await self._db(lambda s: self._contact(s, inbound, chat_id, phone if own else None))
        if bound:
            await self._send(chat_id, replies)
        else:
            await self._ask_for_contact(chat_id, [], "contact_unknown" if own else "not_own_contact", lang)

    def _contact(self, session: Session, inbound: Inbound, chat_id: int, phone: str | None) -> tuple[list[Reply], bool]:
        now = self.runtime.now()
        bound = bind_by_contact(session, chat_id=chat_id, phone=phone, now=now) if phone else []
        case = case_for_chat(session, chat_id) if bound else None
        store_inbound(session, inbound, case, now)
        if case is None:
            return [], False
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
        outcome = await self._db(lambda s: self._receive(s, inbound, chat_id))
        if outcome is None:
            lang = language(update.effective_user.language_code if update.effective_user else None)
            await self._ask_for_contact(chat_id, [], "unbound", lang)
        else:
            await self._send(chat_id, outcome.replies)

    def _receive(self, session: Session, inbound: Inbound, chat_id: int) -> Outcome | None:
        outcome = receive(
            session,
            inbound,
            case=case_for_chat(session, chat_id),
            now=self.runtime.now(),
            config=self.runtime.config,
            renderer=self.renderer,
            reply_status=MessageStatus.SENDING,
        )
        if outcome.disposition == Disposition.UNKNOWN_SENDER:
            return None  # an unbound chat: ask it to bind instead of the SMS generic answer
        return outcome

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

    async def _ask_for_contact(self, chat_id: int, replies: list[Reply], text_key: str, lang: str) -> None:
        """A fixed text (nothing about any debt) with a button sharing the user's own phone number."""
        texts = TEXTS[lang]
        keyboard = ReplyKeyboardMarkup(
            [[KeyboardButton(texts["share_button"], request_contact=True)]],
            one_time_keyboard=True,
            resize_keyboard=True,
        )
        try:
            await self.channel.bot.send_message(chat_id=chat_id, text=texts[text_key], reply_markup=keyboard)
        except Exception:
            log.warning("telegram: could not answer unbound chat %s", chat_id, exc_info=True)


def choice_label(message: Any, data: str | None) -> str | None:
    """The label of the inline button that carried `data` (what the debtor saw and tapped)."""
    markup = getattr(message, "reply_markup", None)
    for row in getattr(markup, "inline_keyboard", ()) or ():
        for button in row:
            if button.callback_data == data:
                return str(button.text)
    return None
