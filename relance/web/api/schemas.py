"""The REST API's request and response bodies (what `/api/v1/openapi.json` publishes)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

# printable text only: control characters (NUL above all) never reach the database
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"


def text(max_length: int, min_length: int = 0) -> type[str]:
    return Annotated[str, StringConstraints(min_length=min_length, max_length=max_length, pattern=PRINTABLE)]  # type: ignore[return-value]


MAX_BATCH = 10_000


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DebtIn(_In):
    """One invoice, with the columns and the rules of the debts CSV (values as text, as in the file)."""

    reference: text(100, 1)  # type: ignore[valid-type]
    debtor_name: text(200, 1)  # type: ignore[valid-type]
    phone: text(40, 1)  # type: ignore[valid-type]
    amount: text(40, 1) = Field(description="`1234.50`, `1234,50`, `1 234,50`; positive")  # type: ignore[valid-type]
    currency: text(3, 3) = Field(description="ISO 4217")  # type: ignore[valid-type]
    due_date: text(10, 10) = Field(description="YYYY-MM-DD")  # type: ignore[valid-type]
    debtor_ref: text(100) | None = None  # type: ignore[valid-type]
    email: text(254) | None = None  # type: ignore[valid-type]
    telegram_chat_id: Annotated[str, StringConstraints(pattern=r"^-?[0-9]{1,15}$")] | None = None
    locale: text(8) | None = None  # type: ignore[valid-type]
    country: text(2) | None = None  # type: ignore[valid-type]
    timezone: text(64) | None = None  # type: ignore[valid-type]
    creditor: text(64) | None = Field(default=None, description="creditor key; defaults to the key's creditor")  # type: ignore[valid-type]
    address: text(500) | None = None  # type: ignore[valid-type]


class DebtBatchIn(_In):
    items: list[DebtIn] = Field(min_length=1, max_length=MAX_BATCH)
    skip_invalid: bool = Field(default=False, description="import the valid items, report the others")


class ItemError(BaseModel):
    index: int = Field(description="position of the item in the request (0 for a single debt)")
    field: str
    reason: str


class ImportOut(BaseModel):
    items: int
    imported: int
    debts_created: int
    debts_updated: int
    unchanged: int
    cases_created: int
    skipped: list[ItemError]


class ErrorOut(BaseModel):
    detail: str
    errors: list[ItemError] = []


class PaymentIn(_In):
    reference: text(100, 1)  # type: ignore[valid-type]
    amount: text(40, 1)  # type: ignore[valid-type]
    paid_on: text(10, 10) = Field(description="YYYY-MM-DD")  # type: ignore[valid-type]
    creditor: text(64) | None = None  # type: ignore[valid-type]
    payment_id: text(100) | None = Field(default=None, description="your id of the payment: recorded once")  # type: ignore[valid-type]


class PaymentOut(BaseModel):
    recorded: bool = Field(description="false when this payment_id was recorded before")
    case_id: int
    case_status: str
    case_balance: str
    debt_balance: str


class DebtOut(BaseModel):
    reference: str
    amount: str
    balance: str
    currency: str
    due_date: date
    status: str


class InstallmentOut(BaseModel):
    seq: int
    due_on: date
    amount: str
    paid_amount: str
    status: str


class PlanOut(BaseModel):
    status: str
    frequency: str
    total: str
    installments: list[InstallmentOut]


class FlagOut(BaseModel):
    reason: str
    priority: int
    recommended_action: str
    created_at: datetime


class MessageOut(BaseModel):
    direction: str
    channel: str
    kind: str
    status: str
    body: str
    created_at: datetime


class CaseSummary(BaseModel):
    id: int
    creditor: str
    debtor_ref: str
    status: str
    balance: str
    currency: str
    paused_until: datetime | None
    flagged: bool
    updated_at: datetime


class CaseOut(CaseSummary):
    debtor_name: str
    due_date: date | None
    debts: list[DebtOut]
    plan: PlanOut | None
    flags: list[FlagOut]
    last_messages: list[MessageOut]


class CasePage(BaseModel):
    items: list[CaseSummary]
    next_cursor: str = Field(description="pass it as `since` to get the cases changed after these")


class PauseIn(_In):
    days: int = Field(default=30, ge=1, le=365, description="pause the reminders for this many days")


class CloseIn(_In):
    reason: text(500) | None = None  # type: ignore[valid-type]
