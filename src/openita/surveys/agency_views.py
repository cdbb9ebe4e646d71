"""The agency's side of the surveys: links, QR codes, access codes, progress."""

from __future__ import annotations

import io

import segno
from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from openita.agencies.models import EnrolmentState
from openita.agencies.services import enrolment_for, get_visible_agency
from openita.calendars import services as calendar
from openita.core.errors import ActionRefused
from openita.core.permissions import require
from openita.core.web import posted, refuse_into_form
from openita.frameworks import services as frameworks

from . import progress, services
from .models import Instrument


class IssueCodesForm(forms.Form):
    count = forms.IntegerField(label=_("How many codes"), min_value=1, max_value=2000,
                               initial=250)


def _context(request: HttpRequest, pk: int):
    agency = get_visible_agency(request.user, pk)
    require(request.user, "surveys.view_progress", agency)
    year = calendar.current_year()
    enrolment = enrolment_for(agency, year)
    if enrolment is None or enrolment.pk is None or (
            enrolment.state == EnrolmentState.NOT_REGISTERED) or year.framework is None:
        return agency, None, None
    return agency, enrolment, frameworks.framework_of(year.framework)


def _links(request: HttpRequest, enrolment) -> dict:
    code = services.link_for(enrolment).code
    return {slug: request.build_absolute_uri(reverse("surveys:start", args=[slug, code]))
            for slug in ("iit", "eit")}


@login_required
@require_http_methods(["GET", "POST"])
def surveys_page(request: HttpRequest, pk: int) -> HttpResponse:
    agency, enrolment, framework = _context(request, pk)
    context = {"agency": agency, "enrolment": enrolment}
    if enrolment is None:
        return render(request, "surveys/agency.html", context)
    can_manage = request.user.has_perm("surveys.manage_links", agency)
    form = IssueCodesForm(posted(request) if can_manage else None)
    codes = None
    if request.method == "POST" and can_manage and form.is_valid():
        try:
            codes = services.issue_access_codes(enrolment, form.cleaned_data["count"],
                                                acting_user=request.user)
        except ActionRefused as error:
            refuse_into_form(form, error)
        else:
            return render(request, "surveys/slips.html", {
                "agency": agency, "codes": codes, "link": _links(request, enrolment)["iit"],
                "year": enrolment.year})
    show_scores = enrolment.year.provisional_scores_visible or request.user.has_perm(
        "agencies.manage_registry")
    rows = [progress.progress_of(enrolment, framework, instrument, with_scores=show_scores)
            for instrument in (Instrument.IIT, Instrument.EIT)]
    context.update(links=_links(request, enrolment), rows=rows, form=form,
                   can_manage=can_manage, show_scores=show_scores, codes=codes)
    return render(request, "surveys/agency.html", context)


@login_required
def qr_code(request: HttpRequest, pk: int, instrument: str, fmt: str) -> HttpResponse:
    agency, enrolment, _framework = _context(request, pk)
    if enrolment is None or instrument not in ("iit", "eit") or fmt not in ("svg", "png"):
        raise Http404
    qr = segno.make(_links(request, enrolment)[instrument], error="m")
    buffer = io.BytesIO()
    qr.save(buffer, kind=fmt, scale=10, border=2)
    response = HttpResponse(buffer.getvalue(),
                            content_type="image/svg+xml" if fmt == "svg" else "image/png")
    response["Content-Disposition"] = (
        f'attachment; filename="{agency.code}-{instrument}.{fmt}"')
    return response
