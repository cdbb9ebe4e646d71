"""The agencies in the current year: the list with each one's enrolment state, its exports,
and the enrolment steps (registration, headcount, approval).

Mounted under /agencies/ by the root URLconf (``urls.agency_urlpatterns``): the registry
below does not know about years.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from openita.accounts.http import AuthenticatedRequest
from openita.agencies import registry_io
from openita.agencies.forms import ReasonForm
from openita.agencies.models import Agency
from openita.agencies.services import filter_registry, get_visible_agency, visible_agencies
from openita.core.errors import ActionRefused
from openita.core.permissions import require
from openita.core.web import attempt, posted, refuse_into_form

from . import enrolment as enrolments
from . import services as calendar
from .forms import EnrolledAgencyFilterForm, HeadcountForm
from .models import AssessmentYear, Phase


def _filtered(
    request: HttpRequest, year: AssessmentYear | None
) -> tuple[EnrolledAgencyFilterForm, QuerySet[Agency]]:
    """The visible agencies narrowed by the filter form; a bad value drops only itself."""
    params = request.GET.copy()
    params.setdefault("active", "1")  # active agencies unless the person asks otherwise
    form = EnrolledAgencyFilterForm(params)
    form.is_valid()
    data = form.cleaned_data
    annotated = enrolments.with_enrolment_state(
        visible_agencies(request.user).select_related("province"), year)
    if data.get("state"):
        annotated = annotated.filter(enrolment_state=data["state"])
    return form, filter_registry(annotated, data).order_by("code")


@login_required
def agency_list(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, "agencies.list_agencies")
    year = calendar.current_year()
    form, queryset = _filtered(request, year)
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "year": year, "query": query.urlencode()}
    # A history restore asks for the whole page, not the table alone.
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(request, "agencies/_table.html" if partial else "agencies/list.html",
                      context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
def agency_export(request: AuthenticatedRequest, fmt: str) -> HttpResponse:
    require(request.user, "agencies.list_agencies")
    _form, queryset = _filtered(request, calendar.current_year())
    if fmt == "xlsx":
        body = registry_io.export_xlsx(queryset)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body, content_type = registry_io.export_csv(queryset), "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="agencies.{fmt}"'
    return response


def _year_or_404(fiscal_year: int) -> AssessmentYear:
    return get_object_or_404(AssessmentYear, fiscal_year=fiscal_year)


@login_required
@require_POST
def enrol(request: AuthenticatedRequest, pk: int, fiscal_year: int) -> HttpResponse:
    agency = get_visible_agency(request.user, pk)
    attempt(request, lambda: enrolments.enrol(agency, _year_or_404(fiscal_year),
                                              acting_user=request.user),
            _("The agency is registered for this year."))
    return redirect("agencies:detail", pk=agency.pk)


@login_required
@require_http_methods(["GET", "POST"])
def headcount(request: AuthenticatedRequest, pk: int, fiscal_year: int) -> HttpResponse:
    agency = get_visible_agency(request.user, pk)
    require(request.user, "calendars.submit_headcount", agency)
    year = _year_or_404(fiscal_year)
    enrolment = enrolments.enrolment_for(agency, year)
    form = HeadcountForm(posted(request), initial={"headcount": enrolment.headcount})
    if request.method == "POST" and form.is_valid():
        try:
            enrolments.submit_headcount(agency, year, form.cleaned_data["headcount"],
                                        acting_user=request.user)
        except ActionRefused as error:
            refuse_into_form(form, error)
        else:
            messages.success(request, _("The headcount is saved and waits for the executive's "
                                        "approval."))
            return redirect("agencies:detail", pk=agency.pk)
    return render(request, "agencies/form.html", {
        "agency": agency, "form": form, "title": _("Headcount for the IIT"),
        "phase": calendar.phase_status(year, Phase.REGISTRATION, agency)})


@login_required
@require_POST
def approve_headcount(request: AuthenticatedRequest, pk: int, fiscal_year: int) -> HttpResponse:
    agency = get_visible_agency(request.user, pk)
    attempt(request, lambda: enrolments.approve_headcount(agency, _year_or_404(fiscal_year),
                                                          acting_user=request.user),
            _("The headcount is approved."))
    return redirect("agencies:detail", pk=agency.pk)


@login_required
@require_POST
def return_headcount(request: AuthenticatedRequest, pk: int, fiscal_year: int) -> HttpResponse:
    agency = get_visible_agency(request.user, pk)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    attempt(request, lambda: enrolments.return_headcount(
        agency, _year_or_404(fiscal_year), reason, acting_user=request.user),
        _("The headcount is sent back to the administrators."))
    return redirect("agencies:detail", pk=agency.pk)
