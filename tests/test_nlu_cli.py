"""The `relance nlu` command: one text, or JSON lines in, JSON lines out, in order."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from relance.cli import app

runner = CliRunner()


def lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_one_text() -> None:
    result = runner.invoke(app, ["nlu", "je vous ai envoyé 300€ le 15", "--locale", "fr", "--today", "2026-11-23"])
    assert result.exit_code == 0, result.output
    assert lines(result.output) == [
        {
            "intent": "already_paid",
            "detail": None,
            "confidence": 0.9,
            "amount": 300.0,
            "installments": None,
            "frequency": None,
            "date": "2026-11-15",
        }
    ]


def test_json_lines_keep_order_and_report_bad_lines() -> None:
    stdin = "\n".join(
        [
            json.dumps({"text": "I lost my job, can I pay $30 a month?", "locale": "en", "today": "2026-11-23"}),
            "not json",
            json.dumps({"text": "en 3 fois", "locale": "fr", "today": "2026-11-23"}),
            json.dumps({"text": 42}),
            json.dumps({"text": "demain", "today": "2026-02-30"}),
            json.dumps({"text": "ok", "locale": "de"}),
            json.dumps(["not", "an", "object"]),
            "",
            json.dumps({"text": "demain", "locale": "fr", "today": "2026-12-31"}),
        ]
    )
    result = runner.invoke(app, ["nlu"], input=stdin)
    assert result.exit_code == 0, result.output
    out = lines(result.output)
    assert len(out) == 8
    assert out[0]["intent"] == "payment_plan" and out[0]["amount"] == 30.0 and out[0]["frequency"] == "monthly"
    assert "error" in out[1]
    assert out[2]["installments"] == 3
    assert all("error" in o for o in out[3:7])
    assert out[7] == {
        "intent": "promise_to_pay",
        "detail": None,
        "confidence": 0.6,
        "amount": None,
        "installments": None,
        "frequency": None,
        "date": "2027-01-01",
    }


def test_defaults_come_from_the_options() -> None:
    stdin = json.dumps({"text": "I'll pay tomorrow"}) + "\n"
    result = runner.invoke(app, ["nlu", "--locale", "en", "--today", "2028-02-28"], input=stdin)
    assert lines(result.output)[0]["date"] == "2028-02-29"


def test_bad_option_is_a_json_error() -> None:
    result = runner.invoke(app, ["nlu", "demain", "--today", "tomorrow"])
    assert result.exit_code == 2
    assert "error" in lines(result.output)[0]


def test_explain_names_the_rule_or_the_features_that_decided() -> None:
    result = runner.invoke(app, ["nlu", "--explain", "Je sais où sont vos bureaux.", "--today", "2026-12-03"])
    assert result.exit_code == 0, result.output
    (out,) = lines(result.output)
    assert (out["intent"], out["detail"]) == ("abuse", "threat")
    assert out["explain"]["decided_by"] == "rule: threat" and "bureaux" in out["explain"]["sensitive_words"]
    quoted = "ok\n\nOn Thu, 3 Dec 2026 at 10:12, Relance <a@b.c> wrote:\n> STOP"
    result = runner.invoke(app, ["nlu", "--explain", quoted, "--locale", "en", "--today", "2026-12-03"])
    (out,) = lines(result.output)
    assert out["explain"]["reply_part"] == "ok" and out["intent"] == "affirm"
    top_label = out["explain"]["model"]["top"][0][0]
    assert out["explain"]["model"]["features"][top_label], "the features behind the model's reading are listed"


def test_explain_says_a_yes_was_held_back() -> None:
    result = runner.invoke(app, ["nlu", "--explain", "ok ok on verra", "--today", "2026-12-03"])
    assert result.exit_code == 0, result.output
    (out,) = lines(result.output)
    assert out["intent"] == "unknown"
    assert out["explain"]["decided_by"].endswith('a yes or a no held back ("on verra")')
