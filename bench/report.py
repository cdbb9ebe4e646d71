"""Benchmark: agency reports as Thai PDF — one at a time, and every agency of a province
with the worker pool of ``openita reports``.

Run:  .venv/bin/python bench/report.py [--database-url URL --reuse] [--single 20]
          [--workers 2]

Builds the demo country of 8,400 agencies (last year computed by openita and published)
in a fresh PostgreSQL database, unless ``--reuse`` points at one a benchmark built before
(bench/recompute.py --keep leaves one). Then:

- ``--single`` reports one after the other in this process, each timed in its stages:
  gathering the figures and drawing the charts (``report.build``), the HTML, and
  WeasyPrint's PDF with the Thai text layer (``report.render_pdf``); after one unmeasured
  report (fonts derived and loaded once per process, as in a running worker);
- the province with the most agencies, printed by ``report_batch.print_reports`` with
  ``--workers`` processes: wall time, reports per second and seconds per report.

The floor: WeasyPrint printing a one-page Thai document with the same fonts, the least a
PDF of ours can cost.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

PG = "postgres://postgres@127.0.0.1:5432"
TARGET_S = 1.5


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--single", type=int, default=20)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    made = "" if args.database_url else f"openita_bench_report_{os.getpid()}"
    url = args.database_url or f"{PG}/{made}"
    if made:
        import psycopg

        with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{made}"')
    data_dir = tempfile.mkdtemp(prefix="openita-bench-report-")
    os.environ.update({"DJANGO_SETTINGS_MODULE": "openita.settings", "DATABASE_URL": url,
                       "OPENITA_DATA_DIR": data_dir, "OPENITA_ENV": "development",
                       "OPENITA_PLAIN_STATIC": "1"})
    try:
        run(args, Path(data_dir))
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
        if made:
            from django.db import connections

            connections.close_all()
            import psycopg

            with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{made}" WITH (FORCE)')


def floor() -> float:
    from openita.core.pdf import font_uris, write_pdf

    weights = {"regular": 400, "bold": 700}
    faces = "".join(f"@font-face {{ font-family: Sarabun; src: url({uri}); "
                    f"font-weight: {weights[name]}; }}" for name, uri in font_uris().items())
    html = (f"<html lang='th'><style>{faces} body {{ font-family: Sarabun; }}</style>"
            "<body><h1>รายงานผลการประเมิน</h1><p>ทดสอบการพิมพ์เอกสารภาษาไทยหนึ่งหน้า</p>"
            "</body></html>")
    write_pdf(html)
    started = time.perf_counter()
    for _ in range(5):
        write_pdf(html)
    return (time.perf_counter() - started) / 5


def run(args: argparse.Namespace, folder: Path) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db.models import Count

    from openita.agencies.models import Agency
    from openita.results import portal
    from openita.results import report as reports
    from openita.results.report_batch import print_reports
    from openita.site import demo

    call_command("migrate", verbosity=0)
    if not (args.reuse and Agency.objects.exists()):
        started = time.perf_counter()
        demo.generate(8400, 2569)
        print(f"demo-data --agencies 8400: {time.perf_counter() - started:.1f} s")
    year = portal.published_years()[0]
    results = portal.published_results(year).select_related("agency__province")
    agencies = [r.agency for r in results.order_by("agency__code")[:args.single + 1]]
    print(f"published FY{year.fiscal_year}; load average {os.getloadavg()[0]:.1f} (2 cores)")
    print(f"  floor: a one-page Thai PDF         {floor():6.3f} s")
    stages: dict[str, list[float]] = {"build": [], "html": [], "pdf": [], "total": []}
    for index, agency in enumerate(agencies):
        t0 = time.perf_counter()
        report = reports.build(year, agency)
        t1 = time.perf_counter()
        reports.render_html(report)
        t2 = time.perf_counter()
        pdf = reports.render_pdf(report)
        t3 = time.perf_counter()
        if index == 0:
            continue  # fonts and templates loaded once per process
        stages["build"].append(t1 - t0)
        stages["html"].append(t2 - t1)
        stages["pdf"].append(t3 - t2)  # renders the HTML again, then prints it
        stages["total"].append(t1 - t0 + t3 - t2)
    print(f"  one report at a time ({len(stages['total'])} agencies, {len(pdf) // 1024} KB "
          f"each): median {statistics.median(stages['total']):.3f} s, worst "
          f"{max(stages['total']):.3f} s  (build and charts "
          f"{statistics.median(stages['build']):.3f}, HTML "
          f"{statistics.median(stages['html']):.3f}, HTML and PDF "
          f"{statistics.median(stages['pdf']):.3f})")
    province = (Agency.objects.filter(results__year=year, results__kind__in=portal.PUBLIC_KINDS,
                                      province__isnull=False)
                .values("province__code", "province__name_th")
                .annotate(n=Count("pk")).order_by("-n").first())
    members = list(Agency.objects.filter(
        province__code=province["province__code"], enrolments__year=year).order_by("code"))
    started = time.perf_counter()
    done = list(print_reports(year, members, folder / "province", workers=args.workers))
    wall = time.perf_counter() - started
    printed = [d for d in done if d.path is not None]
    per = wall / max(1, len(printed))
    print(f"  province {province['province__name_th']} ({len(members)} agencies) with "
          f"{args.workers} worker processes: {wall:.1f} s, {len(printed)} reports, "
          f"{per:.3f} s per report ({len(printed) / wall:.1f} reports/s)")
    single = statistics.median(stages["total"])
    print(f"target: under {TARGET_S} s per report: one at a time "
          f"{'met' if single < TARGET_S else 'NOT met'} ({single:.2f} s), with the pool "
          f"{'met' if per < TARGET_S else 'NOT met'} ({per:.2f} s)")


if __name__ == "__main__":
    main()
