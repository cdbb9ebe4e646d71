"""The agency's OIT pages, under /agencies/<pk>/oit/: its answers, link checks, the
executive's approval, the released decisions and the clarification round."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from openita.accounts.http import AuthenticatedRequest
from openita.agencies.services import get_visible_agency
from openita.calendars import services as calendar
from openita.calendars.models import Phase
from openita.core.errors import ActionRefused
from openita.core.permissions import require
from openita.core.web import attempt, posted, refuse_into_form

from . import clarification, confirmation, review, selectors, services
from .forms import AnswerForm, CommentForm, DisputeForm, ReasonForm
from .models import Answer, ClarificationState, ItemState, Submission, SubmissionState


def _submission(request: AuthenticatedRequest, pk: int) -> tuple[Any, Submission]:
    agency = get_visible_agency(request.user, pk)
    require(request.user, "disclosure.view_oit", agency)
    enrolment = services.entry_enrolment(agency, calendar.current_year())
    if enrolment is None:
        raise Http404
    return agency, services.submission_for(enrolment)


def _phases(submission: Submission) -> dict[str, Any]:
    """The year's windows as the agency sees them, by phase (two queries)."""
    enrolment = submission.enrolment
    return {s.phase: s for s in calendar.calendar_of(enrolment.year, enrolment.agency)}


def _sees_decisions(request: AuthenticatedRequest, agency: Any, submission: Submission,
                    phases: dict[str, Any]) -> bool:
    return review.sees_decisions(request.user, agency, submission.enrolment.year, phases)


@login_required
def oit_page(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Every item with its answer and state, progress, the actions the person may take
    now, the link check results and, once released, the decisions and the OIT score."""
    agency, submission = _submission(request, pk)
    year = submission.enrolment.year
    framework = services.framework_of(submission.enrolment)
    items = services.item_map(framework)
    answers = sorted(submission.answers.all(), key=lambda a: services.natural_key(a.item_code))
    language = get_language() or "th"
    checks = selectors.latest_checks(submission)
    phases = _phases(submission)
    sees = _sees_decisions(request, agency, submission, phases)
    rows = [{"answer": a, "item": items.get(a.item_code),
             "title": _title(items.get(a.item_code), language),
             "checks": [(url, checks.get((a.pk, url))) for url in a.urls]} for a in answers]
    done, total = services.progress_of(submission)
    check = submission.link_checks.first()
    return render(request, "disclosure/agency.html", {
        "agency": agency, "submission": submission, "year": year, "rows": rows,
        "done": done, "total": total, "check": check,
        "check_pending": check is not None and len(checks) < check.expected,
        "entry": phases.get(Phase.OIT_ENTRY), "clarify": phases.get(Phase.CLARIFICATION),
        "can_edit": request.user.has_perm("disclosure.edit_answers", agency),
        "can_approve": request.user.has_perm("disclosure.approve", agency),
        "sees_decisions": sees,
        "breakdown": confirmation.oit_breakdown(submission) if sees and (
            submission.state == SubmissionState.APPROVED) else None,
        "undecided": sum(1 for a in answers if a.passed is None),
        "comment_form": CommentForm(), "reason_form": ReasonForm(),
    })


def _title(item: Any, language: str) -> str:
    if item is None:
        return ""
    return item.title_en if language == "en" else item.title_th


@login_required
def check_results(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The link check's results so far (polled by the page while some are to come)."""
    agency, submission = _submission(request, pk)
    answers = sorted(submission.answers.filter(publishes=True),
                     key=lambda a: services.natural_key(a.item_code))
    checks = selectors.latest_checks(submission)
    check = submission.link_checks.first()
    rows = [{"answer": a, "checks": [(url, checks.get((a.pk, url))) for url in a.urls]}
            for a in answers]
    return render(request, "disclosure/_checks.html", {
        "agency": agency, "rows": rows, "check": check,
        "check_pending": check is not None and len(checks) < check.expected})


@login_required
@require_http_methods(["GET", "POST"])
def item_page(request: AuthenticatedRequest, pk: int, code: str) -> HttpResponse:
    """One item: what it is checked against, the agency's answer (a form while it may be
    changed), the link check, and once released the decision and the clarification."""
    agency, submission = _submission(request, pk)
    answer = get_object_or_404(Answer, submission=submission, item_code=code)
    framework = services.framework_of(submission.enrolment)
    item = services.item_map(framework).get(code)
    if item is None:
        raise Http404
    can_edit = (request.user.has_perm("disclosure.edit_answers", agency)
                and submission.state == SubmissionState.DRAFT)
    if request.method == "POST":
        require(request.user, "disclosure.edit_answers", agency)
    form = AnswerForm(posted(request), initial=AnswerForm.initial_for(answer))
    if request.method == "POST" and form.is_valid():
        try:
            services.save_answer(answer, acting_user=request.user, **form.values())
        except ActionRefused as error:
            refuse_into_form(form, error, {"urls": "url_1"})
        else:
            return _after_save(request, agency, submission, answer)
    return _item(request, agency, submission, answer, item, form, can_edit,
                 status=400 if request.method == "POST" else 200)


def _after_save(request: AuthenticatedRequest, agency: Any, submission: Submission,
                answer: Answer) -> HttpResponse:
    from django.contrib import messages

    messages.success(request, _("%(item)s is saved.") % {"item": answer.item_code})
    if request.POST.get("next"):
        codes = sorted(submission.answers.values_list("item_code", flat=True),
                       key=services.natural_key)
        index = codes.index(answer.item_code)
        if index + 1 < len(codes):
            return redirect("agencies:oit_item", pk=agency.pk, code=codes[index + 1])
    return redirect("agencies:oit", pk=agency.pk)


def _item(request: AuthenticatedRequest, agency: Any, submission: Submission, answer: Answer,
          item: Any, form: AnswerForm, can_edit: bool, *, dispute_form: DisputeForm | None = None,
          status: int = 200) -> HttpResponse:
    language = get_language() or "th"
    checks = selectors.latest_checks(submission)
    phases = _phases(submission)
    sees = _sees_decisions(request, agency, submission, phases)
    dispute = getattr(answer, "dispute", None) if sees else None
    may_dispute = (request.user.has_perm("disclosure.edit_answers", agency)
                   and answer.state == ItemState.RELEASED and submission.clarification in (
                       ClarificationState.NONE, ClarificationState.DRAFT)
                   and bool(phases.get(Phase.CLARIFICATION)
                            and phases[Phase.CLARIFICATION].is_open))
    if may_dispute and dispute_form is None:
        dispute_form = DisputeForm(answer.urls, initial={
            "reason": dispute.reason, "url_position": dispute.url_position,
            "where": dispute.where} if dispute else None)
    return render(request, "disclosure/agency_item.html", {
        "agency": agency, "submission": submission, "answer": answer, "item": item,
        "title": _title(item, language), "notes": services.notes_for(item, agency, language),
        "form": form, "can_edit": can_edit,
        # The results of the latest "check my links", if there was one.
        "checks": [(url, checks.get((answer.pk, url))) for url in answer.urls]
        if submission.link_checks.exists() else [],
        "sees_decisions": sees, "decision": answer.decisions.last() if sees else None,
        "dispute": dispute, "dispute_form": dispute_form if may_dispute else None,
        "language": language,
    }, status=status)


def _back(pk: int) -> HttpResponse:
    return redirect("agencies:oit", pk=pk)


def _text(form_class: type, request: AuthenticatedRequest, name: str) -> str:
    form = form_class(request.POST)
    return form.cleaned_data[name] if form.is_valid() else ""


# The buttons of the OIT page: who may press each (the service checks everything again),
# what it does, and what the person is told when it went through.
STEPS: dict[str, tuple[str, Any, Any]] = {
    "check": ("disclosure.edit_answers",
              lambda s, r: services.request_link_check(s, acting_user=r.user),
              gettext_lazy("Your links are being checked; the results appear below as they "
                           "arrive.")),
    "submit": ("disclosure.edit_answers",
               lambda s, r: services.submit(s, acting_user=r.user),
               gettext_lazy("The OIT is with the executive for approval.")),
    "approve": ("disclosure.approve",
                lambda s, r: services.approve(s, acting_user=r.user),
                gettext_lazy("The OIT is approved. Its evidence is being fetched and kept.")),
    "send_back": ("disclosure.approve",
                  lambda s, r: services.send_back(s, _text(CommentForm, r, "comment"),
                                                  acting_user=r.user),
                  gettext_lazy("The OIT is back with the administrators.")),
    "withdraw": ("disclosure.approve",
                 lambda s, r: services.withdraw_approval(s, _text(ReasonForm, r, "reason"),
                                                         acting_user=r.user),
                 gettext_lazy("The approval is withdrawn; the OIT is back with the "
                              "administrators.")),
}


@login_required
@require_POST
def step(request: AuthenticatedRequest, pk: int, step: str) -> HttpResponse:
    """One button of the OIT page (``STEPS``), then back to the page with what happened."""
    agency, submission = _submission(request, pk)
    permission, action, done = STEPS[step]
    require(request.user, permission, agency)
    attempt(request, lambda: action(submission, request), done)
    return _back(pk)


@login_required
@require_POST
def dispute(request: AuthenticatedRequest, pk: int, code: str) -> HttpResponse:
    """Write, change or (with ``withdraw``) take back the dispute of one released item."""
    agency, submission = _submission(request, pk)
    require(request.user, "disclosure.edit_answers", agency)
    answer = get_object_or_404(Answer, submission=submission, item_code=code)
    if request.POST.get("withdraw"):
        attempt(request, lambda: clarification.withdraw_dispute(answer,
                                                                acting_user=request.user),
                _("The clarification of %(item)s is withdrawn.") % {"item": code})
        return _back(pk)
    form = DisputeForm(answer.urls, request.POST)
    if form.is_valid():
        try:
            clarification.save_dispute(answer, acting_user=request.user, **form.cleaned_data)
        except ActionRefused as error:
            refuse_into_form(form, error)
        else:
            from django.contrib import messages

            messages.success(request, _("The clarification of %(item)s is saved. Send the "
                                        "clarification to the executive when it is "
                                        "complete.") % {"item": code})
            return _back(pk)
    item = services.item_map(services.framework_of(submission.enrolment))[code]
    return _item(request, agency, submission, answer, item, AnswerForm(
        initial=AnswerForm.initial_for(answer)), False, dispute_form=form, status=400)


@login_required
@require_POST
def clarification_step(request: AuthenticatedRequest, pk: int, step: str) -> HttpResponse:
    """Send the clarification to the executive; the executive files it or sends it back."""
    agency, submission = _submission(request, pk)
    user = request.user
    if step == "submit":
        require(user, "disclosure.edit_answers", agency)
        attempt(request, lambda: clarification.submit_clarification(submission,
                                                                    acting_user=user),
                _("The clarification is with the executive for approval."))
    elif step == "file":
        require(user, "disclosure.approve", agency)
        attempt(request, lambda: clarification.file_clarification(submission, acting_user=user),
                _("The clarification is filed. The consultants will answer each item."))
    elif step == "return":
        require(user, "disclosure.approve", agency)
        form = CommentForm(request.POST)
        comment = form.cleaned_data["comment"] if form.is_valid() else ""
        attempt(request, lambda: clarification.send_back_clarification(
            submission, comment, acting_user=user),
            _("The clarification is back with the administrators."))
    else:
        raise Http404
    return _back(pk)
