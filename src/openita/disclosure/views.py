"""The consultants' OIT pages (the review queue, an item's review, confirmation), the
progress of the OIT across a scope, and the published list of clarification filers."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from openita.accounts.http import AuthenticatedRequest
from openita.agencies.models import AgencyGroup, Province
from openita.calendars import services as calendar
from openita.calendars.models import AssessmentYear
from openita.core import tables
from openita.core.errors import ActionRefused
from openita.core.permissions import require
from openita.core.thaisort import thai_sorted
from openita.core.vocabulary import AgencyKind
from openita.core.web import attempt, posted, refuse_into_form

from . import clarification, confirmation, filers, queue_counts, review, selectors, services
from .forms import DecisionForm, DisputeAnswerForm, QueueFilterForm
from .models import Answer, Capture, ItemState, SecondReview

QUEUE_PAGE = 50


def _year() -> AssessmentYear:
    year = calendar.current_year()
    if year is None or year.framework is None:
        raise Http404
    return year


def _queue_form(request: AuthenticatedRequest, year: AssessmentYear, groups: list[int] | None
                ) -> QueueFilterForm:
    form = QueueFilterForm(request.GET or None)
    found = AgencyGroup.objects.order_by("code")
    group_rows = list(found if groups is None else found.filter(pk__in=groups))
    codes = [item.code for item in calendar.framework_for(year).oit_items]
    form.group_ids = [g.pk for g in group_rows]
    choices: dict[str, list[tuple[Any, Any]]] = {
        "group": [("", _("All groups")), *[(g.pk, str(g)) for g in group_rows]],
        "province": [("", _("All provinces")), *[
            (p.pk, p.name_th) for p in thai_sorted(Province.objects.all(),
                                                   key=lambda p: p.name_th)]],
        "item": [("", _("All items")), *[(c, c) for c in codes]],
        "state": [("", _("All states")), *[(s, ItemState(s).label)
                                           for s in selectors.REVIEW_STATES]],
        "second": [("", "—"), *[(v, label) for v, label in SecondReview.choices if v]],
        "sort": [("agency", _("Agency")), ("item", _("Item")), ("state", _("State")),
                 ("updated", _("Latest change"))],
    }
    for name, options in choices.items():
        field = form.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = options
    return form


def _filters(form: QueueFilterForm) -> dict[str, Any]:
    return form.cleaned_data if form.is_bound and form.is_valid() else {}


@login_required
def queue(request: AuthenticatedRequest) -> HttpResponse:
    """The items of the approved OITs of the consultant's team, filtered and sorted, with
    the count in each state."""
    require(request.user, "disclosure.queue")
    year = _year()
    groups = selectors.team_group_ids(request.user)
    form = _queue_form(request, year, groups)
    data = _filters(form)
    filtered = selectors.filter_queue(selectors.reviewable_answers(request.user, year), data)
    counts = _counts(filtered, year, form, groups, data)
    per_state = selectors.state_counts(counts)
    # The total is the sum of the counts already made: no second pass over every answer.
    total = per_state.get(data["state"], 0) if data.get("state") else sum(per_state.values())
    page = KnownCountPaginator(selectors.queue(filtered, data, counts), QUEUE_PAGE,
                               total).get_page(request.GET.get("page"))
    page.object_list = selectors.rows_of(list(page.object_list))
    query = urlencode({k: v for k, v in request.GET.items() if k != "page" and v})
    return render(request, "disclosure/queue.html", {
        "form": form, "page": page, "query": query, "year": year,
        "counts": [(ItemState(s).label, s, n) for s, n in per_state.items()],
    })


def _counts(filtered: Any, year: AssessmentYear, form: QueueFilterForm,
            groups: list[int] | None, data: dict[str, Any]) -> queue_counts.Counts:
    """The answers per state and item of the filters but the state (the page shows every
    state's count), kept per agency group between changes; a free-text search is counted
    each time."""
    if data.get("q"):
        return selectors.answer_counts(filtered)
    if data.get("group"):
        scope: list[int | None] = [data["group"]]
    elif groups is not None:
        scope = list(groups)
    else:  # NACC: every group (the form's choices), and the agencies in none
        scope = [*form.group_ids, None]
    kept = {k: v for k, v in data.items() if k not in ("state", "sort", "group")}
    return queue_counts.cached(year.pk, scope, kept, lambda missing: (
        selectors.answer_counts_by_group(filtered, missing)))


class KnownCountPaginator(Paginator):
    """A paginator told its number of rows (counted already, with the state counts)."""

    def __init__(self, object_list: Any, per_page: int, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known = count

    @property
    def count(self) -> int:
        return self._known


def _reviewable(request: AuthenticatedRequest, answer_id: int) -> Answer:
    """An answer of an approved OIT of the year, 404 unless its agency is in the person's
    scope; 403 for those who see the agency but review nothing, and on a POST for anyone
    but the consultants of the agency's team."""
    answer = get_object_or_404(
        Answer.objects.filter(submission__enrolment__year=_year(),
                              state__in=selectors.REVIEW_STATES).select_related(
            "submission__enrolment__agency__province", "submission__enrolment__year"),
        pk=answer_id)
    agency = answer.submission.enrolment.agency
    if not request.user.has_perm("agencies.view_agency", agency):
        raise Http404
    require(request.user, "disclosure.queue")
    if request.method == "POST":
        require(request.user, "disclosure.review", agency)
    return answer


@login_required
@require_http_methods(["GET", "POST"])
def review_item(request: AuthenticatedRequest, answer_id: int) -> HttpResponse:
    """One item side by side: the criteria to tick, the agency's explanation, the live
    link and the copy kept at approval (as text; never the agency's HTML), and the decision
    form. "Next" goes to the next item of the same queue."""
    answer = _reviewable(request, answer_id)
    language = get_language() or "th"
    item = services.item_map(services.framework_of(answer.submission.enrolment))[
        answer.item_code]
    form = DecisionForm(item, language, posted(request), initial=_initial(answer))
    if request.method == "POST" and form.is_valid():
        try:
            review.decide(answer, acting_user=request.user, **form.values())
        except ActionRefused as error:
            refuse_into_form(form, error)
        else:
            messages.success(request, _("%(item)s of %(agency)s is decided.") % {
                "item": answer.item_code, "agency": answer.submission.enrolment.agency.code})
            following = selectors.neighbour(_same_queue(request, answer), answer)
            if following is not None:
                return redirect(_item_url(following, request.GET.urlencode()))
            return redirect(f"{_queue_url()}?{request.GET.urlencode()}")
    return _render_item(request, answer, item, form,
                        status=400 if request.method == "POST" else 200)


def _initial(answer: Answer) -> dict[str, Any]:
    last = answer.decisions.last()
    if last is None:
        return {}
    initial: dict[str, Any] = {"decision": "pass" if last.passed else "fail",
                               "comment": last.comment}
    initial.update({f"criterion_{code}": tick for code, tick in last.criteria.items()})
    return initial


def _queue_url() -> str:
    from django.urls import reverse

    return reverse("oit:queue")


def _item_url(answer: Answer, query: str) -> str:
    from django.urls import reverse

    url = reverse("oit:review", args=[answer.pk])
    return f"{url}?{query}" if query else url


def _same_queue(request: AuthenticatedRequest, answer: Answer) -> Any:
    """The answers of the queue the person came from (its filters are in the query)."""
    year = answer.submission.enrolment.year
    form = _queue_form(request, year, selectors.team_group_ids(request.user))
    data = _filters(form)
    ordered = selectors.filter_queue(selectors.reviewable_answers(request.user, year), data)
    return ordered.filter(state=data["state"]) if data.get("state") else ordered


def _render_item(request: AuthenticatedRequest, answer: Answer, item: Any, form: DecisionForm,
                 *, answer_form: DisputeAnswerForm | None = None, status: int = 200
                 ) -> HttpResponse:
    agency = answer.submission.enrolment.agency
    language = get_language() or "th"
    query = request.GET.urlencode()
    dispute = getattr(answer, "dispute", None)
    if answer.state == ItemState.DISPUTED and answer_form is None:
        answer_form = DisputeAnswerForm(item, language)
    queue = _same_queue(request, answer)
    following = selectors.neighbour(queue, answer, after=True)
    previous = selectors.neighbour(queue, answer, after=False)
    return render(request, "disclosure/review.html", {
        "answer": answer, "agency": agency, "item": item, "form": form, "query": query,
        "title": item.title_en if language == "en" else item.title_th,
        "criteria": [(c, c.text_en if language == "en" else c.text_th) for c in item.criteria],
        "notes": services.notes_for(item, agency, language),
        "evidence": selectors.evidence_of(answer),
        "decisions": answer.decisions.select_related("reviewer"),
        "dispute": dispute, "answer_form": answer_form if dispute else None,
        "can_decide": answer.state in (ItemState.AWAITING_REVIEW, ItemState.REVIEWED)
        and answer.publishes is True,
        "next_url": _item_url(following, query) if following else None,
        "previous_url": _item_url(previous, query) if previous else None,
        "queue_query": query,
    }, status=status)


@login_required
@require_POST
def answer_dispute(request: AuthenticatedRequest, answer_id: int) -> HttpResponse:
    answer = _reviewable(request, answer_id)
    language = get_language() or "th"
    item = services.item_map(services.framework_of(answer.submission.enrolment))[
        answer.item_code]
    form = DisputeAnswerForm(item, language, request.POST)
    if form.is_valid():
        try:
            clarification.answer_dispute(answer, acting_user=request.user, **form.values())
        except ActionRefused as error:
            refuse_into_form(form, error)
        else:
            messages.success(request, _("The clarification of %(item)s is answered.")
                             % {"item": answer.item_code})
            return redirect(_item_url(answer, request.GET.urlencode()))
    return _render_item(request, answer, item, DecisionForm(item, language), answer_form=form,
                        status=400)


@login_required
@require_POST
def recheck(request: AuthenticatedRequest, answer_id: int) -> HttpResponse:
    answer = _reviewable(request, answer_id)
    attempt(request, lambda: review.request_recheck(answer, acting_user=request.user),
            _("The pages are being checked again; reload in a moment to see the result."))
    return redirect(_item_url(answer, request.GET.urlencode()))


@login_required
def capture_text(request: AuthenticatedRequest, capture_id: int) -> HttpResponse:
    """The whole text extracted from a capture, as plain text (never the page's HTML)."""
    capture = _visible_capture(request, capture_id)
    response = HttpResponse(capture.text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = "inline"
    return response


@login_required
def capture_file(request: AuthenticatedRequest, capture_id: int) -> FileResponse:
    """The stored copy, as a download: never shown in the browser as the agency's page
    (an HTML copy is sent as plain text), so no script of the agency's site runs here."""
    capture = _visible_capture(request, capture_id)
    if not capture.stored_name:
        raise Http404
    html = "html" in capture.content_type or capture.kind == "html"
    kind = "text/plain; charset=utf-8" if html else (
        capture.content_type or "application/octet-stream")
    handle = default_storage.open(capture.stored_name, "rb")
    response = FileResponse(handle, content_type=kind, as_attachment=True,
                            filename=f"{capture.sha256[:16]}.{'txt' if html else 'bin'}")
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
def capture_snapshot(request: AuthenticatedRequest, capture_id: int) -> HttpResponse:
    """The PNG drawn from a kept copy (never the copy itself)."""
    capture = _visible_capture(request, capture_id)
    snapshot = getattr(capture, "snapshot", None)
    if snapshot is None or not snapshot.stored_name:
        raise Http404
    with default_storage.open(snapshot.stored_name, "rb") as image:
        response = HttpResponse(image.read(), content_type="image/png")
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _visible_capture(request: AuthenticatedRequest, capture_id: int) -> Capture:
    capture = get_object_or_404(Capture.objects.select_related(
        "answer__submission__enrolment__agency"), pk=capture_id)
    agency = capture.answer.submission.enrolment.agency
    if not request.user.has_perm("disclosure.view_oit", agency):
        raise Http404
    require(request.user, "disclosure.view_evidence", agency)
    return capture


@login_required
def confirmations(request: AuthenticatedRequest) -> HttpResponse:
    """The team lead's list: the team's agencies with what stands in the way of
    confirming each, and the second reviews that disagree."""
    require(request.user, "disclosure.queue")
    year = _year()
    submissions = confirmation.team_submissions(request.user, year)
    # The database sorts the ids alone; only the page's 50 are loaded whole.
    page = Paginator(submissions.values_list("pk", flat=True), QUEUE_PAGE).get_page(
        request.GET.get("page"))
    found = submissions.in_bulk(list(page.object_list))
    listed = confirmation.with_counts([found[pk] for pk in page.object_list if pk in found])
    rows = [(s, confirmation.listed_blockers(s)) for s in listed]
    groups = selectors.team_group_ids(request.user)
    scope: list[int | None] = [*AgencyGroup.objects.values_list("pk", flat=True), None] \
        if groups is None else list(groups)
    answers = selectors.reviewable_answers(request.user, year)
    disagreeing = queue_counts.cached(
        year.pk, scope, {"second": SecondReview.DISAGREES},
        lambda missing: selectors.answer_counts_by_group(
            answers.filter(second_review=SecondReview.DISAGREES), missing))
    disagreements = sum(disagreeing.values())
    return render(request, "disclosure/confirmations.html", {
        "page": page, "rows": rows, "year": year, "disagreements": disagreements,
        "is_lead": bool(request.user.has_perm("disclosure.lead_any"))})


@login_required
@require_POST
def confirm(request: AuthenticatedRequest, submission_id: int) -> HttpResponse:
    year = _year()
    submission = get_object_or_404(confirmation.team_submissions(request.user, year),
                                   pk=submission_id)
    attempt(request, lambda: confirmation.confirm(submission, acting_user=request.user),
            _("The OIT of %(agency)s is confirmed.") % {
                "agency": submission.enrolment.agency.code})
    return redirect("oit:confirmations")


# --- progress across a scope ----------------------------------------------------------

GROUPINGS = {"province": gettext_lazy("Province"), "ministry": gettext_lazy("Ministry"),
             "kind": gettext_lazy("Agency type")}


def _progress(request: AuthenticatedRequest) -> tuple[AssessmentYear, str, list[dict]]:
    require(request.user, "disclosure.progress")
    year = _year()
    by = request.GET.get("by", "province")
    if by not in GROUPINGS:
        by = "province"
    rows = selectors.progress_rows(request.user, year, by)
    for row in rows:
        if by == "kind":
            row["label"] = str(AgencyKind(row["key"]).label) if row["key"] else "—"
        else:
            row["label"] = row["key"] or "—"
    return year, by, thai_sorted(rows, key=lambda r: r["label"])


@login_required
def progress(request: AuthenticatedRequest) -> HttpResponse:
    year, by, rows = _progress(request)
    return render(request, "disclosure/progress.html", {
        "year": year, "by": by, "rows": rows, "groupings": GROUPINGS.items(),
        "totals": {k: sum(r[k] for r in rows) for k in selectors.PROGRESS_STAGES}})


PROGRESS_HEADERS = [gettext_lazy("Enrolled"), gettext_lazy("Sent to the executive"),
                    gettext_lazy("Approved"), gettext_lazy("Fully reviewed"),
                    gettext_lazy("Filed a clarification"), gettext_lazy("Confirmed")]


@login_required
def progress_export(request: AuthenticatedRequest, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    year, by, rows = _progress(request)
    headers = [str(GROUPINGS[by]), *[str(h) for h in PROGRESS_HEADERS]]
    return tables.download(headers, ([r["label"], *[r[k] for k in selectors.PROGRESS_STAGES]]
                                     for r in rows), fmt, f"oit-progress-{year.fiscal_year}")


# --- the published list of agencies that filed a clarification ------------------------


def filers_page(request: AuthenticatedRequest, fiscal_year: int) -> HttpResponse:
    """Public: the agencies that filed an OIT clarification, as NACC last published it."""
    year = get_object_or_404(AssessmentYear, fiscal_year=fiscal_year)
    published = filers.latest(year)
    can_publish = request.user.is_authenticated and request.user.has_perm(
        "disclosure.publish_filers")
    return render(request, "disclosure/filers.html", {
        "year": year, "published": published, "earlier": filers.earlier(year),
        "can_publish": can_publish,
        "pending": filers.current_filers(year) if can_publish else None})


def filers_export(request: AuthenticatedRequest, fiscal_year: int, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    year = get_object_or_404(AssessmentYear, fiscal_year=fiscal_year)
    published = filers.latest(year)
    if published is None:
        raise Http404
    headers, rows = filers.table(published)
    return tables.download(headers, rows, fmt, f"oit-clarifications-{fiscal_year}")


@login_required
@require_POST
def filers_publish(request: AuthenticatedRequest, fiscal_year: int) -> HttpResponse:
    year = get_object_or_404(AssessmentYear, fiscal_year=fiscal_year)
    attempt(request, lambda: filers.publish(year, request.POST.get("note", ""),
                                            acting_user=request.user),
            _("The list of agencies that filed a clarification is published."))
    return redirect("oit:filers", fiscal_year=fiscal_year)
