"""``openita score``: the JSON contract, and one clear line with status 2 for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from openita.scoring.cli import main

MINI = str(Path(__file__).resolve().parents[1] / "frameworks" / "mini.yaml")
GOOD = {"indicators": {"1": 93.55, "2": 90, "3": 95.1}, "oit": {
    "O1": True, "O2": False, "O3": True, "O4": True}}


def run(capsys, monkeypatch, payload, *args) -> tuple[int, str, str]:
    text = payload if isinstance(payload, str) else json.dumps(payload)
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO(text))
    code = main(["--framework", MINI, *args, "-"])
    out, err = capsys.readouterr()
    return code, out, err


def test_it_prints_the_breakdown_with_two_decimal_strings(capsys, monkeypatch):
    code, out, err = run(capsys, monkeypatch, GOOD)
    assert code == 0 and err == ""
    result = json.loads(out)
    assert result == {
        "framework": "mini",
        "indicators": {"1": "93.55", "2": "90.00", "3": "95.10", "4": "83.33"},
        "subindicators": {"4.1": "66.67", "4.2": "100.00"},
        "instruments": {"IIT": "91.78", "EIT": "95.10", "OIT": "83.33"},
        "weighted": {"IIT": "27.53", "EIT": "28.53", "OIT": "33.33"},
        "total": "89.40",
        "rating": "pass",
        "respondents": {"IIT": 0, "EIT": 0},
    }


def test_raw_responses_replace_the_indicators_of_their_instrument(capsys, monkeypatch):
    payload = {**GOOD, "responses": {"IIT": [
        {"q1a": 4, "q1b": 4, "q1c": 1, "q2": "no", "q3": 1}] * 3}}
    code, out, _err = run(capsys, monkeypatch, payload)
    result = json.loads(out)
    assert result["indicators"]["1"] == "100.00" and result["respondents"]["IIT"] == 3


@pytest.mark.parametrize(("payload", "needle"), [
    ("{not json", "malformed JSON"),
    ("[1, 2]", "one JSON object"),
    ({"indicators": {"1": 90, "2": 90}}, "indicators.3: missing indicator score"),
    ({"indicators": {"1": 90, "2": 90, "3": 90, "99": 1}, "oit": {}}, "indicators.99"),
    ({"indicators": {"1": 101, "2": 90, "3": 90, "4": 90}}, "between 0 and 100"),
    ({"indicators": {"1": "90", "2": 90, "3": 90, "4": 90}}, "not a number"),
    ({**GOOD, "oit": {"O1": True}}, "oit.O2: decision missing"),
    ({**GOOD, "oit": {**GOOD["oit"], "O9": True}}, "oit.O9: unknown OIT item"),
    ({**GOOD, "oit": {**GOOD["oit"], "O1": "yes"}}, "oit.O1: must be true or false"),
    ({**GOOD, "responses": {"IIT": [{"q1a": 5, "q1b": 4, "q1c": 1, "q2": "no", "q3": 1}]}},
     "responses.IIT[0].q1a: answer 5 is not one of"),
    ({**GOOD, "responses": {"IIT": [{"q1a": True, "q1b": 4, "q1c": 1, "q2": "no",
                                     "q3": 1}]}}, "responses.IIT[0].q1a"),
    ({**GOOD, "responses": {"IIT": [{"q1a": 4, "q1b": 4, "q1c": 1, "q2": "maybe",
                                     "q3": 1}]}}, "responses.IIT[0].q2"),
    ({**GOOD, "responses": {"IIT": [{"q1a": 4, "q1b": 4, "q1c": 1, "q2": "no"}]}},
     "responses.IIT[0].q3: answer missing"),
    ({**GOOD, "responses": {"IIT": [{"q1a": 4, "q1b": 4, "q1c": 1, "q2": "no", "q3": 1,
                                     "zz": 1}]}}, "responses.IIT[0].zz: unknown question"),
    ({**GOOD, "responses": {"XIT": []}}, "responses.XIT: unknown survey instrument"),
    ({**GOOD, "responses": {"IIT": []}}, "responses.IIT: no responses"),
    ({**GOOD, "extra": 1}, "extra: unknown key"),
])
def test_bad_input_exits_2_with_one_line_naming_the_problem(capsys, monkeypatch, payload,
                                                              needle):
    code, out, err = run(capsys, monkeypatch, payload)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and needle in err, err


def test_an_unknown_framework_exits_2(capsys):
    assert main(["--framework", "ita-1999", "-"]) == 2
    assert "unknown framework" in capsys.readouterr().err


def test_the_console_script_reads_a_file_without_django(tmp_path):
    data = tmp_path / "input.json"
    data.write_text(json.dumps(GOOD))
    program = (
        "import sys\n"
        f"sys.argv = ['openita', 'score', '--framework', {MINI!r}, {str(data)!r}]\n"
        "from openita.cli import main\n"
        "try:\n    main()\nexcept SystemExit as end:\n    code = end.code\n"
        "print('django loaded' if 'django' in sys.modules else 'no django', file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["total"] == "89.40"
    assert done.stderr.strip() == "no django"


def test_counts_per_cell_score_as_the_responses_they_count(capsys, monkeypatch):
    responses = [{"e1": 4}, {"e1": 4}, {"e1": 2}]
    rest = {"indicators": {"1": 90, "2": 90}, "oit": GOOD["oit"]}
    _code, by_response, _err = run(capsys, monkeypatch, {**rest, "responses": {"EIT": responses}})
    code, by_count, err = run(capsys, monkeypatch, {
        **rest, "counts": {"EIT": {"n": 3, "cells": {"e1": {"4": 2, "2": 1}}}}})
    assert code == 0 and err == "" and json.loads(by_count) == json.loads(by_response)
    code, _out, err = run(capsys, monkeypatch, {
        **rest, "counts": {"EIT": {"n": 3, "cells": {"e1": {"4": 2}}}}})
    assert code == 2 and "counts.EIT.cells.e1" in err and "not n = 3" in err
