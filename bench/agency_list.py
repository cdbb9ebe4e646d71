"""Benchmark: build the 8,400-agency demo country, then time the agency list pages.

Run:  .venv/bin/python bench/agency_list.py [--agencies 8400] [--database-url URL]

Prints the time to generate the country and the median / worst time (ms) and query
count of the paginated agency list as a NACC admin and as a provincial officer, for the
first page, a deep page, a search and a filter. A fresh SQLite file under a temporary
directory is used unless --database-url is given (it must point to an empty database).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agencies", type=int, default=8400)
    parser.add_argument("--seed", type=int, default=2568)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    data_dir = tempfile.mkdtemp(prefix="openita-bench-")
    os.environ["OPENITA_DATA_DIR"] = data_dir
    os.environ["OPENITA_PLAIN_STATIC"] = "1"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
        os.environ.setdefault("OPENITA_ENV", "development")  # one machine, plain http
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openita.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from openita.accounts.models import User
    from openita.agencies import demo

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    result = demo.generate(args.agencies, args.seed)
    generate_s = time.perf_counter() - started
    print(f"database: {connection.vendor}")
    print(f"demo-data --agencies {args.agencies}: {generate_s:.1f} s "
          f"({result.agencies} agencies, {result.users} people)")

    cases = [
        ("first page", "/agencies/"),
        ("page 100", "/agencies/?page=100"),
        ("search 'หนอง'", "/agencies/?q=%E0%B8%AB%E0%B8%99%E0%B8%AD%E0%B8%87"),
        ("filter sao+northeast+registered",
         "/agencies/?kind=sao&region=northeast&state=registered&active=1"),
        ("export csv (all)", "/agencies/export.csv?active="),
    ]
    for login in ("nacc", "oversight.province"):
        client = Client()
        client.force_login(User.objects.get(email=f"{login}@{demo.DEMO_DOMAIN}"))
        for label, url in cases:
            timings = []
            for _ in range(args.repeat):
                with CaptureQueriesContext(connection) as queries:
                    t0 = time.perf_counter()
                    response = client.get(url)
                    timings.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            print(f"{login:<20} {label:<34} median {statistics.median(timings):7.1f} ms  "
                  f"max {max(timings):7.1f} ms  queries {len(queries.captured_queries)}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
