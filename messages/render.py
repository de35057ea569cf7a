"""The template renderer: sandboxed Jinja2, strict variables, Babel filters, cached templates.

Creditors may override any template from a directory (`[templates] directory` in relance.toml), so
templates run in Jinja2's `SandboxedEnvironment`. A missing variable is an error
(`StrictUndefined`), reported as `RenderError` naming the template. HTML templates (the formal
notice) are autoescaped. The environment and every template are built once per `Renderer`;
rendering an SMS costs a few tens of microseconds.

SMS text is passed through `messages.sms.gsm_friendly`: Babel's narrow no-break spaces become
plain spaces and other characters outside GSM-7 their plain equivalents, so a French reminder
stays in GSM-7 (160 characters a segment) instead of UCS-2 (70).
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

from messages.catalog import NOTICE, TEMPLATES, TemplateChannel, email_part_path, template_channel, template_path
from messages.formatting import format_day, format_days, format_money, format_number, resolve_locale
from messages.sms import SmsLength, gsm_friendly, sms_length
from relance.core.errors import ConfigError, RenderError

BUILTIN_TEMPLATES = Path(__file__).parent / "templates"

_SPACES_BEFORE_NEWLINE = re.compile(r"[ \t]+\n")
_BLANK_LINES = re.compile(r"\n{3,}")


@dataclass(frozen=True, slots=True)
class Choice:
    """A quick reply: `key` is what the dialogue receives (an intent label), `label` what is shown."""

    key: str
    label: str


@dataclass(frozen=True, slots=True)
class Rendered:
    """A rendered message: its text and, for menus, the choices offered (in display order)."""

    name: str
    language: str
    channel: TemplateChannel
    text: str
    choices: tuple[Choice, ...] = ()

    @property
    def sms(self) -> SmsLength:
        """Encoding and segments of the text sent as an SMS."""
        return sms_length(self.text)


@dataclass(slots=True)
class _RenderState:
    """What filters need from the render in progress (also inside imported macros)."""

    locale: str
    currency: str | None
    choices: list[Choice]


_STATE: ContextVar[_RenderState] = ContextVar("messages_render_state")


def _money_filter(value: Decimal | int | str, currency: str | None = None) -> str:
    state = _STATE.get()
    code = currency or state.currency
    if not code:
        raise RenderError("money: no currency given and no `currency` in the context")
    return format_money(value, code, state.locale)


def _date_filter(value: date, style: str = "full") -> str:
    return format_day(value, _STATE.get().locale, style)


def _short_date_filter(value: date) -> str:
    return format_day(value, _STATE.get().locale, "medium")


def _dates_filter(values: list[date], style: str = "compact") -> str:
    return format_days(list(values), _STATE.get().locale, style)


def _number_filter(value: Decimal | int | str) -> str:
    return format_number(value, _STATE.get().locale)


def _choice(key: str, label: str) -> str:
    """Record a choice offered by the template and return its label (SMS numbered menus)."""
    _STATE.get().choices.append(Choice(str(key), str(label)))
    return str(label)


def _offer(key: str, label: str) -> str:
    """Record a quick reply (chat buttons) without writing anything in the text."""
    _choice(key, label)
    return ""


def _environment(override_dir: Path | None) -> SandboxedEnvironment:
    loaders: list[jinja2.BaseLoader] = [FileSystemLoader(BUILTIN_TEMPLATES)]
    if override_dir is not None:
        loaders.insert(0, FileSystemLoader(override_dir))
    env = SandboxedEnvironment(
        loader=ChoiceLoader(loaders),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2", "xml"), default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        cache_size=-1,
    )
    env.filters.update(
        money=_money_filter,
        date=_date_filter,
        shortdate=_short_date_filter,
        dates=_dates_filter,
        number=_number_filter,
    )
    env.globals.update(choice=_choice, offer=_offer)
    return env


def _tidy(text: str) -> str:
    """Trailing spaces and runs of blank lines left by template logic are dropped."""
    text = text.strip()
    if " \n" in text or "\t\n" in text:
        text = _SPACES_BEFORE_NEWLINE.sub("\n", text)
    return _BLANK_LINES.sub("\n\n", text) if "\n\n\n" in text else text


def _flat_globals(template: jinja2.Template) -> jinja2.Template:
    """The template with its globals in a plain dict instead of Jinja's ChainMap over the environment's.

    Every render copies the globals into a new context, and copying a ChainMap (key by key, in
    Python) was a third of the cost of rendering an SMS. The environment's globals are set once,
    when it is built, so the flat copy never misses a change.
    """
    template.globals = dict(template.globals)
    return template


def _render(template: jinja2.Template, context: dict[str, Any]) -> str:
    """`template.render(context)` without its copy of `context` (ours, built for this render alone).

    The same steps otherwise: a new context over the template's globals and `context`, the root
    render function, and Jinja's exception handling (which rewrites the traceback and re-raises).
    """
    ctx = template.new_context(context)
    try:
        return template.environment.concat(template.root_render_func(ctx))  # type: ignore[attr-defined,no-any-return]
    except Exception:
        template.environment.handle_exception()
        raise  # handle_exception always raises; for the type checker


class Renderer:
    """Renders the catalogue's templates; build one per process and share it."""

    def __init__(self, override_dir: Path | None = None) -> None:
        if override_dir is not None and not override_dir.is_dir():
            raise ConfigError(f"templates.directory: {override_dir} is not a directory")
        self.override_dir = override_dir
        self._env = _environment(override_dir)
        self._templates: dict[tuple[str, str, str], jinja2.Template] = {}

    @classmethod
    def from_config(cls, config: Any) -> Renderer:
        """The renderer for a `RelanceConfig` (its `templates.directory` overrides)."""
        return cls(config.templates.directory)

    def template(self, name: str, language: str, channel: TemplateChannel) -> jinja2.Template:
        """The compiled template (loaded once, then cached)."""
        key = (name, language, channel)
        cached = self._templates.get(key)
        if cached is not None:
            return cached
        if name not in TEMPLATES and name != NOTICE.name:
            raise RenderError(f"{name}: no such message template")
        path = template_path(name, language, channel)
        try:
            template = self._env.get_template(path)
        except jinja2.TemplateNotFound as exc:
            raise RenderError(f"{path}: template not found") from exc
        except jinja2.TemplateSyntaxError as exc:
            raise RenderError(f"{exc.filename or path}, line {exc.lineno}: {exc.message}") from exc
        self._templates[key] = _flat_globals(template)
        return template

    def render(self, name: str, *, locale: str, channel: str, **context: Any) -> Rendered:
        """Render message `name` for a debtor locale (`fr`, `en-GB`…) and channel (`sms`, `telegram`…)."""
        language, babel_locale = resolve_locale(locale)
        target = template_channel(channel)
        template = self.template(name, language, target)
        choices: list[Choice] = []
        context.update(_language=language, _channel=target)
        token = _STATE.set(_RenderState(babel_locale, context.get("currency"), choices))
        try:
            text = _render(template, context)
        except RenderError as exc:
            raise RenderError(f"{template.name}: {exc}") from exc
        except jinja2.UndefinedError as exc:
            raise RenderError(f"{template.name}: {exc.message}") from exc
        except jinja2.TemplateError as exc:
            raise RenderError(f"{template.name}: {exc}") from exc
        except (TypeError, ValueError, ArithmeticError, KeyError, AttributeError) as exc:
            raise RenderError(f"{template.name}: {type(exc).__name__}: {exc}") from exc
        finally:
            _STATE.reset(token)
        text = _tidy(text)
        if target == "sms":
            text = gsm_friendly(text)
        return Rendered(name, language, target, text, tuple(choices))

    def render_part(self, part: str, *, locale: str, **context: Any) -> str:
        """A part of the e-mail family (`subject.txt.j2`, `footer.txt.j2`, `body.html.j2`), tidied."""
        language, babel_locale = resolve_locale(locale)
        key = (part, language, "email-part")
        template = self._templates.get(key)
        if template is None:
            path = email_part_path(language, part)
            try:
                template = self._env.get_template(path)
            except jinja2.TemplateNotFound as exc:
                raise RenderError(f"{path}: template not found") from exc
            except jinja2.TemplateSyntaxError as exc:
                raise RenderError(f"{exc.filename or path}, line {exc.lineno}: {exc.message}") from exc
            self._templates[key] = _flat_globals(template)
        token = _STATE.set(_RenderState(babel_locale, context.get("currency"), []))
        try:
            return _tidy(template.render({**context, "_language": language, "_channel": "email"}))
        except jinja2.UndefinedError as exc:
            raise RenderError(f"{template.name}: {exc.message}") from exc
        except (jinja2.TemplateError, TypeError, ValueError, ArithmeticError, KeyError, AttributeError) as exc:
            raise RenderError(f"{template.name}: {type(exc).__name__}: {exc}") from exc
        finally:
            _STATE.reset(token)

    def render_notice_html(self, *, locale: str, **context: Any) -> str:
        """The formal notice letter as (autoescaped) HTML, for `messages.notice`."""
        return self.render(NOTICE.name, locale=locale, channel="letter", **context).text
