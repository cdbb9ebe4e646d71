"""NACC's results pages: compute a year's results (provisional or final, of every agency or
of one) with a progress bar, review the distribution and the table, publish."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from openita.accounts.http import AuthenticatedRequest
from openita.agencies.models import Agency
from openita.calendars import services as calendar
from openita.calendars.models import AssessmentYear
from openita.core import tables
from openita.core.permissions import require
from openita.core.uploads import ImportRejected
from openita.core.web import attempt, posted, posted_files
from openita.frameworks import services as frameworks
from openita.frameworks.schema import Framework

from . import (
    collection,
    computation,
    dashboard,
    past,
    portal,
    publication,
    scope_tables,
    selectors,
)
from .forms import ComputeForm, PastResultsForm
from .models import ComputationRun, Publication, ResultKind

PAGE = 50
KINDS = {ResultKind.FINAL.value: gettext_lazy("Final results"),
         ResultKind.PROVISIONAL.value: gettext_lazy("Provisional results")}


def _year(request: AuthenticatedRequest, fiscal_year: int) -> AssessmentYear:
    require(request.user, "results.view_unpublished")
    year = get_object_or_404(AssessmentYear.objects.select_related("framework").defer(
        "framework__content"), fiscal_year=fiscal_year)
    if year.framework is None:
        raise Http404
    return year


def _framework(year: AssessmentYear) -> Framework:
    assert year.framework is not None  # _year refuses a year without one
    return frameworks.framework_of(year.framework)


def _kind(request: AuthenticatedRequest) -> str:
    kind = request.GET.get("kind", ResultKind.FINAL)
    return kind if kind in KINDS else ResultKind.FINAL


@login_required
def index(request: AuthenticatedRequest) -> HttpResponse:
    """The results of the year agencies work in now (or the newest year with a framework)."""
    require(request.user, "results.view_unpublished")
    year = calendar.current_year() or AssessmentYear.objects.filter(
        framework__isnull=False).order_by("-fiscal_year").first()
    if year is None:
        raise Http404
    return redirect("results:manage", fiscal_year=year.fiscal_year)


@login_required
def manage(request: AuthenticatedRequest, fiscal_year: int) -> HttpResponse:
    year = _year(request, fiscal_year)
    kind = _kind(request)
    framework = _framework(year)
    runs = selectors.recent_runs(year)
    last_done = next((r for r in runs if r.state == "done" and r.kind == kind), None)
    return render(request, "results/manage.html", {
        "year": year, "kind": kind, "kinds": KINDS.items(), "runs": runs,
        "active": next((r for r in runs if r.active), None),
        "form": ComputeForm(initial={"kind": kind}),
        "distribution": selectors.distribution(year, kind, framework),
        "incomplete": _incomplete(last_done),
        "published": Publication.objects.filter(year=year).first(),
        "years": AssessmentYear.objects.filter(framework__isnull=False).order_by(
            "-fiscal_year").values_list("fiscal_year", flat=True),
    })


def _incomplete(run: ComputationRun | None) -> list[dict[str, Any]]:
    """The agencies the run could not score, with the reason in words."""
    if run is None:
        return []
    names = dict(Agency.objects.filter(code__in=[i["agency"] for i in run.incomplete])
                 .values_list("code", "name_th"))
    rows = []
    for item in run.incomplete:
        reason = computation.REASONS.get(item["reason"], item["reason"])
        rows.append({"code": item["agency"], "name": names.get(item["agency"], ""),
                     "reason": str(reason) % {"instrument": item.get("instrument", "")}})
    return rows


@login_required
@require_POST
def compute(request: AuthenticatedRequest, fiscal_year: int) -> HttpResponse:
    year = _year(request, fiscal_year)
    form = ComputeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose provisional or final results."))
        return redirect("results:manage", fiscal_year=fiscal_year)
    agency = None
    code = form.cleaned_data["agency"].strip()
    if code:
        agency = Agency.objects.filter(code=code).first()
        if agency is None:
            messages.error(request, _("No agency has the code %(code)s.") % {"code": code})
            return redirect("results:manage", fiscal_year=fiscal_year)
    kind = form.cleaned_data["kind"]
    attempt(request, lambda: computation.request_run(year, kind, acting_user=request.user,
                                                     agency=agency),
            _("The computation has started; this page shows how far it has come."))
    return redirect(f"{reverse('results:manage', args=[fiscal_year])}?kind={kind}")


@login_required
def run_status(request: AuthenticatedRequest, run_id: int) -> HttpResponse:
    """A run's progress: the bar alone for the page's polling (htmx), the whole page
    otherwise."""
    require(request.user, "results.view_unpublished")
    run = get_object_or_404(ComputationRun.objects.select_related("year", "agency"),
                            pk=run_id)
    template = "results/_run.html" if request.htmx else "results/run.html"
    return render(request, template, {"run": run, "year": run.year})


@login_required
def table(request: AuthenticatedRequest, fiscal_year: int) -> HttpResponse:
    year = _year(request, fiscal_year)
    kind = _kind(request)
    framework = _framework(year)
    page = Paginator(selectors.table(year, kind), PAGE).get_page(request.GET.get("page"))
    codes = [i.code for i in framework.instruments]
    ratings = {r.code: r.label_th for r in framework.rating}
    rows = [(r, [r.instruments.get(c) for c in codes], ratings.get(r.rating, ""))
            for r in page.object_list]
    return render(request, "results/table.html", {
        "year": year, "kind": kind, "kind_label": KINDS[kind], "page": page, "rows": rows,
        "query": f"kind={kind}", "instruments": codes})


@login_required
def table_export(request: AuthenticatedRequest, fiscal_year: int, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    year = _year(request, fiscal_year)
    kind = _kind(request)
    framework = _framework(year)
    codes = [i.code for i in framework.instruments]
    numbers = [i.number for i in framework.indicators]
    ratings = {r.code: r.label_th for r in framework.rating}
    headers = [_("Agency code"), _("Agency"), _("Province"), *codes,
               *[_("Indicator %(n)s") % {"n": n} for n in numbers], _("Total"), _("Rating")]
    rows = ([r.agency.code, r.agency.name_th,
             r.agency.province.name_th if r.agency.province else "",
             *[r.instruments.get(c, "") for c in codes],
             *[r.indicators.get(n, "") for n in numbers],
             "" if r.total is None else str(r.total), ratings.get(r.rating, "")]
            for r in selectors.table(year, kind).iterator(chunk_size=2000))
    return tables.download(headers, rows, fmt, f"ita-results-{year.fiscal_year}-{kind}")


@login_required
@require_http_methods(["GET", "POST"])
def publish(request: AuthenticatedRequest, fiscal_year: int) -> HttpResponse:
    """Ask first (what becomes public, and that it cannot be taken back), then publish."""
    year = _year(request, fiscal_year)
    require(request.user, "results.publish")
    if request.method == "POST":
        if attempt(request, lambda: publication.publish(year, acting_user=request.user),
                   _("The results of %(fy)s are published.") % {"fy": year.fiscal_year}):
            return redirect("results:manage", fiscal_year=fiscal_year)
    framework = _framework(year)
    return render(request, "results/publish.html", {
        "year": year,
        "distribution": selectors.distribution(year, ResultKind.FINAL, framework),
        "count": selectors.results_of(year, ResultKind.FINAL).count(),
        "already": publication.is_published(year)})


@login_required
@require_http_methods(["GET", "POST"])
def import_past(request: AuthenticatedRequest) -> HttpResponse:
    """NACC uploads the results of years published before openita; every problem is
    listed with its row and column, and nothing is saved unless every row is right."""
    require(request.user, "results.import_past")
    form = PastResultsForm(posted(request), posted_files(request))
    outcome = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            outcome = past.import_past_results(upload.name, upload.read(),
                                               acting_user=request.user)
        except ImportRejected as error:
            form.add_error("file", str(error))
        else:
            if outcome.ok:
                messages.success(request, _(
                    "Imported %(created)s new and %(replaced)s replaced results of %(years)s.")
                    % {"created": outcome.created, "replaced": outcome.replaced,
                       "years": ", ".join(str(y) for y in outcome.years)})
                return redirect("results:import_past")
    return render(request, "results/import_past.html", {
        "form": form, "outcome": outcome, "columns": past.COLUMNS})


SCOPE_GROUPINGS = {"province": gettext_lazy("Province"), "ministry": gettext_lazy("Ministry"),
                   "kind": gettext_lazy("Agency type")}


@login_required
def scope(request: AuthenticatedRequest, fiscal_year: int) -> HttpResponse:
    """The published results of the agencies in the person's scope, grouped, with the
    change from the previous published year and the biggest drops and rises; for the open
    year before its results are published, where its collection stands in the scope
    (``collection.py``). Any other year is not found."""
    require(request.user, "results.view_scope")
    published = portal.published_years()
    collecting = collection.collecting_year(published)
    by = request.GET.get("by", "province")
    by = by if by in SCOPE_GROUPINGS else "province"
    years = sorted({y.fiscal_year for y in published}
                   | ({collecting.fiscal_year} if collecting else set()), reverse=True)
    page = {"by": by, "groupings": SCOPE_GROUPINGS.items(), "years": years,
            "grouping": SCOPE_GROUPINGS[by]}
    year = next((y for y in published if y.fiscal_year == fiscal_year), None)
    if year is None:
        if collecting is None or collecting.fiscal_year != fiscal_year:
            raise Http404
        return render(request, "results/scope.html", {
            **page, "year": collecting,
            "collection": collection.collection(request.user, collecting, by)})
    groups, drops, rises = dashboard.rows(request.user, year, by)
    before = dashboard.previous_year(year)
    return render(request, "results/scope.html", {
        **page, "year": year, "groups": groups, "drops": drops, "rises": rises,
        "before": before})


@login_required
def scope_export(request: AuthenticatedRequest, fiscal_year: int, fmt: str) -> HttpResponse:
    """A table of the scope page (``?table=``, ``?by=``) as XLSX or CSV."""
    require(request.user, "results.view_scope")
    if fmt not in ("csv", "xlsx"):
        raise Http404
    by = request.GET.get("by", "province")
    by = by if by in SCOPE_GROUPINGS else "province"
    grouping, table = str(SCOPE_GROUPINGS[by]), request.GET.get("table", "groups")
    published = portal.published_years()
    year = next((y for y in published if y.fiscal_year == fiscal_year), None)
    collecting = collection.collecting_year(published)
    if year is not None and table in scope_tables.PUBLISHED:
        headers, rows = scope_tables.published(request.user, year, by, grouping, table)
    elif (year is None and collecting is not None and collecting.fiscal_year == fiscal_year
          and table in scope_tables.COLLECTING):
        headers, rows = scope_tables.collecting(request.user, collecting, by, grouping, table)
    else:
        raise Http404
    return tables.download(headers, rows, fmt, f"ita-scope-{fiscal_year}-{table}-{by}")


@login_required
def scope_index(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, "results.view_scope")
    years = portal.published_years()
    if not years:
        return render(request, "results/scope.html", {
            "year": None, "collecting": collection.collecting_year(years)})
    return redirect("results:scope", fiscal_year=years[0].fiscal_year)
