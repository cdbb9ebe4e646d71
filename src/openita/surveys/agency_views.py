"""The agency's side of the surveys: links, QR codes, access codes, progress."""

from __future__ import annotations

import io

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from openita.accounts.http import AuthenticatedRequest
from openita.agencies.services import get_visible_agency
from openita.calendars import services as calendar
from openita.core.errors import ActionRefused
from openita.core.forms import SafeTextMixin, search_text
from openita.core.permissions import require
from openita.core.web import attempt, posted, refuse_into_form, refuse_into_messages

from . import codes as access_codes
from . import progress, reminders, respondent, services, slips
from .models import Channel, Instrument, RespondentType, Response
from .overview import collection_rows as overview_rows
from .quality import flagged_responses, set_excluded


class IssueCodesForm(SafeTextMixin, forms.Form):
    count = forms.IntegerField(label=_("How many codes"), min_value=1,
                               max_value=access_codes.MAX_BATCH, initial=50)


class CodeAllowanceForm(SafeTextMixin, forms.Form):
    extra = forms.IntegerField(label=_("More codes allowed"), min_value=1,
                               max_value=access_codes.MAX_ALLOWANCE)
    reason = forms.CharField(label=_("Reason (as the agency asked for them)"),
                             max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


def _context(request: HttpRequest, pk: int):
    agency = get_visible_agency(request.user, pk)
    require(request.user, "surveys.view_progress", agency)
    enrolment, framework = services.collecting_enrolment(agency)
    return agency, enrolment, framework


def _links(request: HttpRequest, enrolment, link=None) -> dict:
    code = (link or services.link_for(enrolment)).code
    return {slug: request.build_absolute_uri(reverse("surveys:start", args=[slug, code]))
            for slug in ("iit", "eit")}


@login_required
@require_http_methods(["GET", "POST"])
def surveys_page(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The agency's links, its collection progress (released figures; NACC sees them live
    with the release state), and its access codes within their bound."""
    agency, enrolment, framework = _context(request, pk)
    if enrolment is None:
        return render(request, "surveys/agency.html", {"agency": agency,
                                                       "enrolment": enrolment})
    can_manage = request.user.has_perm("surveys.manage_links", agency)
    form = IssueCodesForm(posted(request) if can_manage else None)
    if request.method == "POST" and can_manage and form.is_valid():
        try:
            codes = access_codes.issue_access_codes(enrolment, form.cleaned_data["count"],
                                                       acting_user=request.user)
        except ActionRefused as error:
            refuse_into_form(form, error)
        else:
            link = _links(request, enrolment)["iit"]
            return render(request, "surveys/slips.html", {
                "agency": agency, "codes": codes, "link": link, "year": enrolment.year,
                "pdf": slips.pdf_data_uri(agency, enrolment.year.fiscal_year, link, codes),
                "max_pdf": slips.MAX_PDF_CODES})
    return _surveys_page(request, agency, enrolment, framework, form=form)


def _surveys_page(request: AuthenticatedRequest, agency, enrolment, framework, *,
                  form: IssueCodesForm | None = None,
                  allowance_form: CodeAllowanceForm | None = None,
                  status: int = 200) -> HttpResponse:
    can_manage = request.user.has_perm("surveys.manage_links", agency)
    can_allow = request.user.has_perm("surveys.allow_codes")
    show_scores = progress.may_see_provisional_scores(request.user, enrolment)
    live = progress.sees_live_figures(request.user)
    rows = [progress.progress_of(enrolment, framework, instrument, with_scores=show_scores,
                                 live=live)
            for instrument in (Instrument.IIT, Instrument.EIT)]
    link = services.link_for(enrolment)
    allowances = access_codes.allowances_of(enrolment)
    return render(request, "surveys/agency.html", {
        "agency": agency, "enrolment": enrolment, "links": _links(request, enrolment, link),
        "rows": rows, "form": form if form is not None else IssueCodesForm(),
        "can_manage": can_manage, "show_scores": show_scores, "live": live,
        "codes_bound": access_codes.bound_of(enrolment, link.codes_issued,
                                             sum(a.extra for a in allowances)),
        # Spent and unspent as of the IIT release: a live number of spent codes would be a
        # live count of IIT responses.
        "codes_release": rows[0].release,
        "allowances": allowances, "can_allow": can_allow,
        "allowance_form": allowance_form if allowance_form is not None else (
            CodeAllowanceForm() if can_allow else None),
        "can_quality": request.user.has_perm("surveys.view_quality", agency),
        "can_interview": request.user.has_perm("surveys.interview", agency),
        "last_reminder": reminders.last_reminder(enrolment)}, status=status)


@login_required
@require_POST
def code_allowance(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """NACC allows the agency more IIT access codes than its headcount and margin."""
    agency, enrolment, framework = _context(request, pk)
    require(request.user, "surveys.allow_codes")
    if enrolment is None:
        raise Http404
    form = CodeAllowanceForm(request.POST)
    if form.is_valid():
        try:
            access_codes.allow_more_codes(enrolment, form.cleaned_data["extra"],
                                          form.cleaned_data["reason"],
                                          acting_user=request.user)
        except ActionRefused as error:
            refuse_into_form(form, error)
        else:
            messages.success(request, _("The agency may issue more codes now."))
            return redirect("agencies:surveys", pk=agency.pk)
    return _surveys_page(request, agency, enrolment, framework, allowance_form=form,
                         status=400)


@login_required
def qr_code(request: AuthenticatedRequest, pk: int, instrument: str, fmt: str) -> HttpResponse:
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


@login_required
def overview(request: AuthenticatedRequest) -> HttpResponse:
    """Collection progress of every agency in the person's scope, at-risk ones first."""
    require(request.user, "surveys.overview")
    year = calendar.current_year()
    if year is None or year.framework is None:
        return render(request, "surveys/overview.html", {"year": None})
    only_at_risk = request.GET.get("risk") == "1"
    show_flags = request.user.has_perm("surveys.view_quality_counts")
    sort = request.GET.get("sort", "shortfall")
    if sort == "flagged" and not show_flags:
        sort = "shortfall"
    q = search_text(request.GET)
    rows = overview_rows(request.user, year, only_at_risk=only_at_risk, sort=sort, query=q)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "surveys/overview.html", {
        "year": year, "page": page, "risk": only_at_risk, "sort": sort,
        "q": q, "query": query.urlencode(), "show_flags": show_flags,
        "live": progress.sees_live_figures(request.user),
        "at_risk_count": sum(r.at_risk for r in rows) if not only_at_risk else len(rows),
        "can_remind": request.user.has_perm("surveys.send_reminders"),
        "last_reminders": reminders.latest_sent(year),
        "reminder_days": settings.OPENITA_REMINDER_INTERVAL_DAYS})


@login_required
@require_POST
def remind(request: AuthenticatedRequest) -> HttpResponse:
    """NACC sends the reminders now instead of waiting for the daily run."""
    year = calendar.current_year()
    if year is None or year.framework is None:
        raise Http404
    sent = reminders.send_reminders(year, acting_user=request.user,
                                    site_url=request.build_absolute_uri("/"))
    if sent.agencies:
        messages.success(request, _("Reminders sent to %(agencies)d agencies (%(people)d "
                                    "people).") % {"agencies": sent.agencies,
                                                   "people": sent.people})
    elif not sent.failed:
        messages.info(request, _("No agency is due a reminder now."))
    if sent.failed:
        messages.error(request, _("The mail to %(n)d agencies could not be sent; they stay "
                                  "due and can be sent again.") % {"n": sent.failed})
    return redirect("agencies:survey_overview")


@login_required
def quality(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    agency, enrolment, _framework = _context(request, pk)
    require(request.user, "surveys.view_quality", agency)
    return render(request, "surveys/quality.html", {
        "agency": agency, "enrolment": enrolment,
        "responses": flagged_responses(enrolment) if enrolment else [],
        "can_exclude": request.user.has_perm("surveys.exclude_response")})


@login_required
@require_POST
def exclude(request: AuthenticatedRequest, pk: int, response_id: str) -> HttpResponse:
    agency, enrolment, _framework = _context(request, pk)
    if enrolment is None:
        raise Http404
    stored = get_object_or_404(Response, pk=response_id, enrolment=enrolment)
    attempt(request, lambda: set_excluded(stored, request.POST.get("excluded") == "1",
                                          request.POST.get("reason", ""),
                                          acting_user=request.user),
            _("The decision is recorded."))
    return redirect("agencies:survey_quality", pk=agency.pk)


@login_required
@require_http_methods(["GET", "POST"])
def interview(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A consultant enters the answers of an EIT telephone interview (channel consultant)."""
    agency, enrolment, framework = _context(request, pk)
    require(request.user, "surveys.interview", agency)
    if enrolment is None:
        raise Http404
    questions = [q for _indicator, on_page in respondent.pages(framework, Instrument.EIT)
                 for q in on_page]
    errors: set[str] = set()
    key = request.POST.get("submission_key") or services.new_submission_key()
    answers: dict = {}
    if request.method == "POST":
        errors = respondent.read_answers(framework, questions, request.POST, answers)
        kind = request.POST.get("respondent_type", "")
        if kind not in RespondentType.values:
            errors.add("respondent_type")
        if not errors:
            try:
                services.record_interview(enrolment, answers, kind, submission_key=key,
                                          acting_user=request.user, framework=framework)
            except ActionRefused as error:
                refuse_into_messages(request, error)
            else:
                messages.success(request, _("The interview is stored."))
                return redirect("agencies:survey_interview", pk=agency.pk)
    rows = respondent.question_rows(framework, questions, answers)
    return render(request, "surveys/interview.html", {
        "agency": agency, "rows": rows, "errors": errors, "key": key,
        "respondent_types": RespondentType.choices,
        "count": Response.objects.filter(enrolment=enrolment,
                                         channel=Channel.CONSULTANT).count()},
        status=400 if errors else 200)


@login_required
def announcement(request: AuthenticatedRequest, pk: int, instrument: str) -> HttpResponse:
    """The printable ประกาศ inviting people to answer one survey, as an A4 PDF.

    ``?digits=thai`` writes every number in Thai digits (the link and its code keep theirs).
    """
    # Imported here: WeasyPrint loads Pango when imported, which no other page needs.
    from . import announcement as notices

    agency, enrolment, _framework = _context(request, pk)
    if enrolment is None or instrument not in notices.INSTRUMENTS:
        raise Http404
    notice = notices.announcement_for(enrolment, instrument,
                                      _links(request, enrolment)[instrument],
                                      thai_digits=request.GET.get("digits") == "thai")
    response = HttpResponse(notices.render_pdf(notice), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{notices.filename_of(agency, notice)}"')
    return response
