"""An agency's report of an assessed year, as a web page and as a PDF.

Its own people, its reviewers and the oversight bodies of its province or ministry read
it once the year is published; NACC reads it before that too. For anyone else the agency
is not found, so its existence does not leak.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from openita.accounts.http import AuthenticatedRequest
from openita.agencies.services import visible_agencies
from openita.calendars.models import AssessmentYear

from . import report as reports

PAGE = 50


def _report(request: AuthenticatedRequest, fiscal_year: int, code: str) -> reports.Report:
    agency = visible_agencies(request.user).select_related("province").filter(
        code=code).first()
    year = AssessmentYear.objects.filter(fiscal_year=fiscal_year, framework__isnull=False
                                         ).select_related("framework", "publication").defer(
        "framework__content").first()
    if agency is None or year is None:
        raise Http404
    if not hasattr(year, "publication") and not request.user.has_perm(
            "results.view_unpublished"):
        raise Http404
    language = "th" if (get_language() or "th").startswith("th") else "en"
    found = reports.build(year, agency, language=language)
    if found is None:
        raise Http404
    return found


@login_required
@require_GET
def report_page(request: AuthenticatedRequest, fiscal_year: int, code: str) -> HttpResponse:
    return render(request, "results/report.html", {"r": _report(request, fiscal_year, code)})


@login_required
@require_GET
def report_pdf(request: AuthenticatedRequest, fiscal_year: int, code: str) -> HttpResponse:
    report = _report(request, fiscal_year, code)
    pdf = reports.render_pdf(report, thai_digits=request.GET.get("digits") == "thai")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{reports.filename_of(report)}"'
    return response


@login_required
@require_GET
def reports_index(request: AuthenticatedRequest) -> HttpResponse:
    """The reports the person may read: every published year of the agencies they see,
    newest year first (NACC sees the nation's; an agency its own)."""
    found = reports.available(request.user)
    page = Paginator(found, PAGE).get_page(request.GET.get("page"))
    return render(request, "results/reports.html", {"page": page})
