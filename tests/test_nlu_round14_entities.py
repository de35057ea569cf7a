"""Entities settled in round 14 of issue 13 (rules added on the z29-z31 tuning halves: replies of customers
of craftsmen and small businesses, e-mails with quoted history, several things at once).

Each case is a wording of the tuning data's kind, not a copy of it. The property tests pin the general rule
behind each: a total is the amount the count follows, even where an address or a signature adds numbers, and
it is divided only when it divides exactly to the cent.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.nlu import understand

TODAY = date(2026, 12, 4)  # a Friday

_SIGNATURE = "\n\nCordialement,\nMarc Lenoir\n12 rue des Tilleuls\n67600 Sélestat"


@pytest.mark.parametrize(
    ("text", "locale", "amount", "count"),
    [
        # the total the count follows, other numbers (an address, a signature) aside
        ("Je sollicite la possibilité de régler la somme de 1.200,50 € en 6 mensualités." + _SIGNATURE, "fr", None, 6),
        ("Pourrais-je payer les 1.200,50 € en 6 fois ?" + _SIGNATURE, "fr", None, 6),
        ("Je souhaite régler le montant de 900 € en 3 mensualités." + _SIGNATURE, "fr", Decimal(300), 3),
        (
            "Could I pay the sum of £1,000.10 in 4 installments?\n\nKind regards,\nJo Hale\n14 Mill Lane, BS1 4DJ",
            "en",
            None,
            4,
        ),
        ("Could I pay the £600 in 3 installments?\nThanks,\nJo Hale\n14 Mill Lane", "en", Decimal(200), 3),
        ("1 500 en 6 fois ça fait 250, je commence le 15", "fr", Decimal(250), 6),
    ],
)
def test_total_the_count_follows(text: str, locale: str, amount: Decimal | None, count: int) -> None:
    u = understand(text, locale, TODAY)
    assert (u.intent, u.amount, u.installments) == ("payment_plan", amount, count)


@settings(max_examples=60, deadline=None)
@given(
    total=st.decimals(min_value=Decimal("100.01"), max_value=Decimal("9999.99"), places=2),
    count=st.integers(min_value=2, max_value=12),
    street=st.integers(min_value=1, max_value=99),
)
def test_total_divided_only_to_the_cent(total: Decimal, count: int, street: int) -> None:
    written = f"{total:,.2f}".replace(",", " ").replace(".", ",")
    text = (
        f"Je sollicite la possibilité de régler la somme de {written} € en {count} mensualités."
        f"\n\nP. Martin\n{street} rue Haute"
    )
    u = understand(text, "fr", TODAY)
    share = total / count
    expected = share if share == share.quantize(Decimal("0.01")) else None
    assert (u.intent, u.installments, u.frequency) == ("payment_plan", count, "monthly")
    assert u.amount == expected


@pytest.mark.parametrize(
    ("text", "day"),
    [
        # "le premier règlement": the first payment, not the 1st of a month; "fin du mois d'avril": 30 April
        (
            "Je propose 6 mensualités. Le premier règlement pourrait intervenir à la fin du mois d'avril.",
            date(2027, 4, 30),
        ),
        ("6 mensualités, le premier prélèvement début du mois de mars", date(2027, 3, 1)),
    ],
)
def test_first_payment_of_a_plan(text: str, day: date) -> None:
    assert understand(text, "fr", TODAY).date == day


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        # the amount of each payment after its count, the whole sum refused before it
        ("Cannae pay the whole 280 for the lessons the now, could I dae it in 4 lots o 70?", "en"),
        ("can't pay the full 280 right now, could I do 4 payments of 70?", "en"),
        ("I cannot pay £280 at once, 4 lots of £70 ok?", "en"),
        ("je peux pas payer les 280 d'un coup, quatre fois 70 ça irait ?", "fr"),
        ("pas les 280 en une fois, mais 4 versements de 70", "fr"),
    ],
)
def test_count_of_each_payment_beside_the_total(text: str, locale: str) -> None:
    u = understand(text, locale, TODAY)
    assert (u.intent, u.amount, u.installments, u.date) == ("payment_plan", Decimal(70), 4, None)


@settings(max_examples=40, deadline=None)
@given(
    count=st.integers(min_value=2, max_value=9),
    each=st.integers(min_value=15, max_value=400),
    word=st.sampled_from(["lots o", "lots of", "payments of", "instalments of", "goes of"]),
)
def test_lots_of_each(count: int, each: int, word: str) -> None:
    text = f"can't pay the full {count * each} now, could I do it in {count} {word} {each}?"
    u = understand(text, "en", TODAY)
    assert (u.intent, u.amount, u.installments, u.date) == ("payment_plan", Decimal(each), count, None)


@pytest.mark.parametrize(
    ("text", "locale", "amount", "count", "frequency"),
    [
        # "over the next 3 months", the French order too: the length of a monthly (weekly) plan
        ("je vous dois 450 je crois, 3 x 150 sur les 3 prochains mois ça passe ?", "fr", Decimal(150), 3, "monthly"),
        ("je peux étaler sur les six prochains mois", "fr", None, 6, "monthly"),
        ("450 sur les 3 mois à venir ?", "fr", Decimal(150), 3, "monthly"),
        ("3 x 150 sur 3 mois", "fr", Decimal(150), 3, "monthly"),
        ("100 par semaine pendant les 4 prochaines semaines", "fr", Decimal(100), 4, "weekly"),
        ("3 x 150 over the next 3 months ok?", "en", Decimal(150), 3, "monthly"),
        ("could I spread the 450 over the coming 6 months", "en", Decimal(75), 6, "monthly"),
    ],
)
def test_over_the_next_months(text: str, locale: str, amount: Decimal | None, count: int, frequency: str) -> None:
    u = understand(text, locale, TODAY)
    assert (u.intent, u.amount, u.installments, u.frequency) == ("payment_plan", amount, count, frequency)


@settings(max_examples=40, deadline=None)
@given(
    count=st.integers(min_value=2, max_value=12),
    each=st.integers(min_value=20, max_value=300),
    span=st.sampled_from(["sur les {n} prochains mois", "sur les {n} mois à venir", "sur les {n} mois suivants"]),
)
def test_over_the_next_months_in_french(count: int, each: int, span: str) -> None:
    text = f"{count} x {each} {span.format(n=count)}, ça vous va ?"
    u = understand(text, "fr", TODAY)
    assert (u.intent, u.amount, u.installments, u.frequency) == ("payment_plan", Decimal(each), count, "monthly")


@pytest.mark.parametrize(
    ("text", "locale", "amount"),
    [
        # a second payment of a sum said: two payments, however vague its day
        ("We can do 250 now and the other 250 later on, would that be alright?", "en", Decimal(250)),
        ("I'll send 100 Friday and the remaining 150 at the end of January", "en", Decimal(100)),
        ("je fais 200 maintenant et les 200 restants plus tard", "fr", Decimal(200)),
        ("je fais 200 € maintenant et l'autre 200 € fin janvier", "fr", Decimal(200)),
        ("je vous verse 300 aujourd'hui puis les 300 autres le mois prochain", "fr", Decimal(300)),
    ],
)
def test_the_other_sum_later(text: str, locale: str, amount: Decimal) -> None:
    u = understand(text, locale, TODAY)
    assert (u.intent, u.amount, u.installments) == ("payment_plan", amount, 2)


@settings(max_examples=40, deadline=None)
@given(
    first=st.integers(min_value=20, max_value=900),
    second=st.integers(min_value=20, max_value=900),
    other=st.sampled_from(["the other", "the remaining", "the last"]),
    later=st.sampled_from(["later on", "next month", "at the end of January", "after Christmas"]),
)
def test_the_other_sum_later_in_english(first: int, second: int, other: str, later: str) -> None:
    u = understand(f"I can do {first} now and {other} {second} {later}", "en", TODAY)
    assert (u.intent, u.amount, u.installments) == ("payment_plan", Decimal(first), 2)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # visits, calls and letters counted are no plan
        (
            "C'est pour quel soin ? J'y suis allée deux fois en septembre, une fois pour un détartrage et une fois"
            " avec mon fils.",
            "info_request",
        ),
        ("je suis venu 3 fois au garage, c'est quelle facture ?", "info_request"),
        ("j'ai appelé deux fois, personne ne répond. c'est pour quoi cette facture ?", "info_request"),
        ("je vous ai déjà écrit deux fois, quel est le montant ?", "info_request"),
        # ... while payments counted are one
        ("je paie deux fois 100", "payment_plan"),
        ("deux fois 150 ça irait ?", "payment_plan"),
        ("je vous ai appelé pour payer 3 fois 100, c'est possible ?", "payment_plan"),
    ],
)
def test_occasions_counted_are_no_plan(text: str, intent: str) -> None:
    u = understand(text, "fr", TODAY)
    assert u.intent == intent
    if intent != "payment_plan":
        assert (u.installments, u.date) == (None, None)


@settings(max_examples=40, deadline=None)
@given(
    count=st.sampled_from(["deux", "trois", "2", "3"]),
    visit=st.sampled_from(
        ["J'y suis allée {n} fois", "Je suis passé {n} fois", "Je vous ai appelé {n} fois", "J'ai essayé {n} fois"]
    ),
    month=st.sampled_from(["en septembre", "le mois dernier", "cette semaine", ""]),
)
def test_occasions_counted_in_french(count: str, visit: str, month: str) -> None:
    text = f"{visit.format(n=count)} {month}. C'est pour quelle facture ?"
    u = understand(text, "fr", TODAY)
    assert u.intent == "info_request"
    assert (u.installments, u.date) == (None, None)


@pytest.mark.parametrize(
    ("text", "locale", "count"),
    [
        # a count offered after the plan is asked for; no first payment from a sentence about something else
        (
            "Hi, it's Sam's mum. He passed his test on Tuesday first time, thank Kerry for us. The block booking"
            " came to more than I'd budgeted though. Could I pay for the lessons in instalments? Like 4?",
            "en",
            4,
        ),
        ("can I pay in installments, maybe 3?", "en", 3),
        ("any chance of a payment plan? say 6?", "en", 6),
        ("je peux payer en plusieurs fois ? genre 3 ?", "fr", 3),
        ("Mon fils a eu son permis mardi du premier coup. Je voudrais payer en plusieurs fois, peut-être 4 ?", "fr", 4),
        # ... a count left open stays open
        ("Can I pay in instalments? Like 3 or 4?", "en", None),
    ],
)
def test_count_offered_after_the_plan(text: str, locale: str, count: int | None) -> None:
    u = understand(text, locale, TODAY)
    assert (u.intent, u.installments, u.date) == ("payment_plan", count, None)


@pytest.mark.parametrize(
    ("text", "locale", "day"),
    [
        # ... while a day told with the plan's start, its first payment or the money it waits on stays
        ("Could we do 3 payments of 100? Starting Friday", "en", date(2026, 12, 11)),
        ("Mensualités de 35 € possible ? Je commence dans quinze jours.", "fr", date(2026, 12, 18)),
        (
            "6 versements de 75 €. Le premier peut partir le 5 février, merci d'avance pour votre réponse.",
            "fr",
            date(2027, 2, 5),
        ),
        ("Monthly from the 1st please", "en", date(2027, 1, 1)),
    ],
)
def test_first_payment_told_with_the_plan(text: str, locale: str, day: date) -> None:
    u = understand(text, locale, TODAY)
    assert (u.intent, u.date) == ("payment_plan", day)


@settings(max_examples=40, deadline=None)
@given(
    day=st.sampled_from(["on Tuesday", "last Monday", "on the 3rd"]),
    event=st.sampled_from(["He passed his driving test {d} first time", "We moved house {d}, what a week"]),
    ask=st.sampled_from(["Could I pay in instalments?", "Can we set up a payment plan?", "Could I pay it in 3 goes?"]),
)
def test_no_first_payment_from_another_story(day: str, event: str, ask: str) -> None:
    u = understand(f"{event.format(d=day)}, thanks to all of you. {ask}", "en", TODAY)
    assert (u.intent, u.date) == ("payment_plan", None)


@pytest.mark.parametrize(
    ("text", "locale", "amount", "frequency", "day"),
    [
        # a sum per period offered, the income told beside it: a plan
        ("pay u 20 a week from friday ok, thats when I get paid", "en", Decimal(20), "weekly", date(2026, 12, 11)),
        ("I can do 30 a fortnight, I get paid every other Thursday", "en", Decimal(30), "biweekly", None),
        ("je vous verse 40 € par mois, je touche mon salaire le 28", "fr", Decimal(40), "monthly", None),
    ],
)
def test_rate_offered_beside_the_income(
    text: str, locale: str, amount: Decimal, frequency: str, day: date | None
) -> None:
    u = understand(text, locale, TODAY)
    assert (u.intent, u.amount, u.frequency) == ("payment_plan", amount, frequency)
    if day is not None:
        assert u.date == day


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        # ... while the income itself is no offer
        ("I only get 600 a month, I can't pay this", "en"),
        ("I'm 83 and on a pension of £185 a week. After rent and heating I have nothing left.", "en"),
        ("je touche 480 € par mois, je ne peux rien payer", "fr"),
        ("hours got cut to 10 a week. can barely cover rent", "en"),
    ],
)
def test_income_per_period_is_no_plan(text: str, locale: str) -> None:
    assert understand(text, locale, TODAY).intent != "payment_plan"


@pytest.mark.parametrize(
    ("text", "locale", "amount", "frequency"),
    [
        # a difficulty told with a sum per period offered: a plan
        (
            "Je vais être franche, je touche l'ASS depuis que l'usine a fermé et avec le loyer il ne reste vraiment"
            " pas grand-chose. Dix euros par semaine c'est tout ce que je peux, mais je tiendrai.",
            "fr",
            Decimal(10),
            "weekly",
        ),
        (
            "je sais verser nonante euros par mois, pas plus, sinon je ne m'en sors pas avec le loyer",
            "fr",
            Decimal(90),
            "monthly",
        ),
        ("je suis au chômage, je peux faire 20 € par mois", "fr", Decimal(20), "monthly"),
        ("been made redundant, 40 a month is the most I can manage", "en", Decimal(40), "monthly"),
        ("I'm on universal credit, I can pay 10 a week", "en", Decimal(10), "weekly"),
    ],
)
def test_difficulty_with_a_rate_offered(text: str, locale: str, amount: Decimal, frequency: str) -> None:
    u = understand(text, locale, TODAY)
    assert (u.intent, u.amount, u.frequency) == ("payment_plan", amount, frequency)


@settings(max_examples=40, deadline=None)
@given(
    trouble=st.sampled_from(
        [
            "je suis au chômage depuis mars",
            "mon mari est à l'hôpital",
            "je suis en arrêt maladie",
            "j'ai perdu mon emploi",
        ]
    ),
    each=st.integers(min_value=10, max_value=90),
    period=st.sampled_from([("par semaine", "weekly"), ("par mois", "monthly")]),
    close=st.sampled_from(["c'est tout ce que je peux", "c'est mon maximum", "ça vous irait ?"]),
)
def test_difficulty_with_a_rate_offered_in_french(trouble: str, each: int, period: tuple[str, str], close: str) -> None:
    u = understand(f"{trouble}. {each} € {period[0]}, {close}", "fr", TODAY)
    assert (u.intent, u.amount, u.frequency) == ("payment_plan", Decimal(each), period[1])


@pytest.mark.parametrize(
    "text",
    [
        # ... while a difficulty whose sums per period are income or costs stays one
        "Statutory sick pay is £116.75 a week and it doesn't cover the rent. I can't pay you.",
        "I'm 72, on a pension of $1,400 a month, and my rent went up 15%. I just can't pay anything right now.",
    ],
)
def test_difficulty_with_income_per_period(text: str) -> None:
    assert understand(text, "en", TODAY).intent == "hardship"


@settings(max_examples=40, deadline=None)
@given(
    count=st.integers(min_value=2, max_value=9),
    each=st.integers(min_value=15, max_value=400),
    currency=st.sampled_from(["", "£", "$"]),
)
def test_count_times_each_in_english(count: int, each: int, currency: str) -> None:
    # "could I pay 3 times 100?" as "3 fois 100", "3 x 100"
    u = understand(f"could I pay {count} times {currency}{each}?", "en", TODAY)
    assert (u.intent, u.amount, u.installments) == ("payment_plan", Decimal(each), count)
