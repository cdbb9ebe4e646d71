"""``openita score --framework ID [FILE|-]``: one JSON object in, one JSON object out.

Exit status 0 with the breakdown on stdout; 2 with one line on stderr naming the problem
(unknown code, answer out of range, missing indicator, malformed JSON, unknown framework).
Runs without Django, so anyone can recompute a published score from the data and the file.
"""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal

from openita.frameworks.loader import FrameworkError, get, load_file

from .engine import InvalidInput, as_json, score

KEYS = {"indicators", "oit", "responses", "counts"}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="openita score", description=__doc__.split("\n")[0])
    parser.add_argument("--framework", required=True,
                        help="a shipped framework id (ita-2564, ita-2568, ita-2569) or a YAML file")
    parser.add_argument("--detail", action="store_true",
                        help="also print per-question and per-answer-cell scores")
    parser.add_argument("input", nargs="?", default="-", help="JSON file, or - for stdin")
    args = parser.parse_args(argv)
    try:
        framework = (load_file(args.framework) if args.framework.endswith((".yaml", ".yml"))
                     else get(args.framework))
        data = _read(args.input)
        unknown = sorted(set(data) - KEYS)
        if unknown:
            raise InvalidInput(unknown[0], "unknown key (use indicators, oit, responses, counts)")
        breakdown = score(framework, indicators=data.get("indicators"), oit=data.get("oit"),
                          responses=data.get("responses"), counts=data.get("counts"))
    except (FrameworkError, InvalidInput) as error:
        print(f"openita score: {error}", file=sys.stderr)
        return 2
    json.dump(as_json(breakdown, detail=args.detail), sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


def _read(source: str) -> dict:
    try:
        if source == "-":
            text = sys.stdin.read()
        else:
            with open(source, encoding="utf-8") as handle:
                text = handle.read()
    except OSError as error:
        raise InvalidInput("input", f"cannot read {source}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise InvalidInput("input", "the input must be UTF-8 JSON") from None
    try:
        # Decimal keeps 93.55 exactly 93.55; a float would not.
        data = json.loads(text, parse_float=Decimal, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise InvalidInput("input", f"malformed JSON at line {error.lineno} column "
                           f"{error.colno}: {error.msg}") from None
    if not isinstance(data, dict):
        raise InvalidInput("input", "the input must be one JSON object")
    return data


def _no_constant(name: str) -> None:
    raise InvalidInput("input", f"malformed JSON: {name} is not a score")
