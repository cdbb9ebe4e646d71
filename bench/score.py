"""Benchmark: score N raw IIT + EIT responses for one agency with a shipped framework.

Run:  .venv/bin/python bench/score.py [--responses 20000] [--framework ita-2564]

Prints the time to validate and score the responses (best and median of a few runs), the
time to parse the framework file, and the throughput. No Django, no database.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from openita.frameworks import loader
from openita.scoring import as_json, score


def responses_for(framework, instrument: str, count: int, rng: random.Random) -> list[dict]:
    numbers = {i.number for i in framework.indicators_of(instrument)}
    cells = [(key, q.scale) for q in framework.questions if q.indicator in numbers
             for key, _p in q.cells]
    answers = {"L4": [1, 2, 3, 4], "YN": ["yes", "no"]}
    return [{key: rng.choice(answers[scale]) for key, scale in cells} for _ in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=20_000)
    parser.add_argument("--framework", default="ita-2564")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    started = time.perf_counter()
    framework = loader.load_file(loader.shipped()[args.framework])
    parse_ms = (time.perf_counter() - started) * 1000
    rng = random.Random(2568)
    iit = responses_for(framework, "IIT", args.responses, rng)
    eit = responses_for(framework, "EIT", args.responses, rng)
    oit = {item.code: rng.random() < 0.8 for item in framework.oit_items}
    timings = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        result = score(framework, responses={"IIT": iit, "EIT": eit}, oit=oit)
        timings.append(time.perf_counter() - t0)
    cells = sum(len(r) for r in iit) + sum(len(r) for r in eit)
    best, median = min(timings), statistics.median(timings)
    print(f"framework {args.framework}: parsed in {parse_ms:.0f} ms")
    print(f"{args.responses} IIT + {args.responses} EIT responses ({cells:,} answers): "
          f"best {best:.3f} s, median {median:.3f} s, {cells / best / 1e6:.1f} M answers/s")
    print(f"total {as_json(result)['total']}, rating {result.rating.code}")


if __name__ == "__main__":
    main()
