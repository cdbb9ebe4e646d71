"""The agency's planning pages, under /agencies/<pk>/planning/: the year's overview, the
analysis of last year's result, the measures and the progress reports, their documents and
their publication. Thin: the services decide, the pages show and ask."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openita.accounts.http import AuthenticatedRequest
from openita.agencies.services import get_visible_agency
from openita.core.errors import ActionRefused
from openita.core.permissions import require
from openita.core.web import attempt, posted, refuse_into_form

from . import documents, library, measures, progress, publishing, services
from .docx_writer import render_docx
from .forms import (
    AnalysisForm,
    CommentForm,
    EntryForm,
    LibraryForm,
    MeasureForm,
    PreparedByForm,
    ReasonForm,
    SignatoryForm,
    TimeframeForm,
)
from .models import (
    ActionPlan,
    Analysis,
    DocumentKind,
    Measure,
    MeasureSet,
    ProgressEntry,
    ProgressReport,
    ReportPeriod,
    Stage,
)
from .oversight import current_fiscal_year
from .rendering import filename_of, prepare, render_pdf


def _agency(request: AuthenticatedRequest, pk: int) -> Any:
    agency = get_visible_agency(request.user, pk)
    require(request.user, "planning.view", agency)
    return agency


def _year(fiscal_year: int) -> int:
    if not 2500 <= fiscal_year <= 2700:
        raise Http404
    return fiscal_year


def _may(request: AuthenticatedRequest, agency: Any) -> dict[str, bool]:
    user = request.user
    return {"can_edit": user.has_perm("planning.edit", agency),
            "can_approve": user.has_perm("planning.approve", agency),
            "can_publish": user.has_perm("planning.publish", agency)}


@login_required
@require_GET
def overview(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The year's planning at a glance: what exists, its stage, its documents and pages."""
    agency = _agency(request, pk)
    try:
        fiscal_year = _year(int(request.GET.get("year") or current_fiscal_year()))
    except ValueError:
        raise Http404 from None
    measure_set = MeasureSet.objects.filter(agency=agency, fiscal_year=fiscal_year).first()
    reports = {r.period: r for r in ProgressReport.objects.filter(
        measure_set=measure_set)} if measure_set else {}
    published: dict[str, Any] = {}
    for doc in publishing.PublishedDocument.objects.filter(
            agency=agency, fiscal_year=fiscal_year).defer("content").order_by("-version"):
        published.setdefault(doc.kind, doc)
    rows = [
        (DocumentKind.ANALYSIS, Analysis.objects.filter(
            agency=agency, analysed_year=fiscal_year - 1).first(),
         reverse("agencies:planning_analysis", args=[agency.pk, fiscal_year])),
        (DocumentKind.MEASURES, measure_set,
         reverse("agencies:planning_measures", args=[agency.pk, fiscal_year])),
        (DocumentKind.PLAN, ActionPlan.objects.filter(agency=agency,
                                                      fiscal_year=fiscal_year).first(), ""),
        (DocumentKind.PROGRESS_6, reports.get(6),
         reverse("agencies:planning_report", args=[agency.pk, fiscal_year, 6])),
        (DocumentKind.PROGRESS_12, reports.get(12),
         reverse("agencies:planning_report", args=[agency.pk, fiscal_year, 12])),
    ]
    documents_ = [{"kind": kind, "label": DocumentKind(kind).label, "made": made,
                   "url": url or (reverse("planning:plan", args=[made.pk]) if made else ""),
                   "published": published.get(kind)} for kind, made, url in rows]
    return render(request, "planning/overview.html", {
        "agency": agency, "fiscal_year": fiscal_year, "documents": documents_,
        "years": [fiscal_year - 1, fiscal_year, fiscal_year + 1], **_may(request, agency)})


# -- the analysis -------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def analysis_page(request: AuthenticatedRequest, pk: int, fiscal_year: int) -> HttpResponse:
    agency = _agency(request, pk)
    analysed_year = _year(fiscal_year) - 1
    analysis = Analysis.objects.filter(agency=agency, analysed_year=analysed_year).first()
    may = _may(request, agency)
    if request.method == "POST" and analysis is None:
        attempt(request, lambda: services.start_analysis(agency, analysed_year,
                                                         acting_user=request.user),
                _("The analysis is started."))
        return redirect(request.path)
    form = None
    if analysis is not None:
        initial = {k: getattr(analysis, k) for k in ("weaknesses", "topics", "practice",
                                                     "meeting_on", "meeting_attendees")}
        initial |= {f"score_{n}": v for n, v in analysis.indicators.items()}
        form = AnalysisForm(posted(request), initial=initial,
                            typed_scores=analysis.source == "entered")
        if request.method == "POST":
            require(request.user, "planning.edit", agency)
            if form.is_valid():
                try:
                    services.save_analysis(analysis, acting_user=request.user,
                                           **form.values())
                except ActionRefused as error:
                    refuse_into_form(form, error)
                else:
                    return redirect(request.path + "?saved=1")
    names = documents.indicator_names(analysed_year)
    scores = []
    if analysis is not None:
        weak = services.weakest(analysis.indicators)
        scores = [(n, names.get(n, ""), analysis.indicators.get(n), n in weak)
                  for n in services.INDICATORS]
    return render(request, "planning/analysis.html", {
        "agency": agency, "fiscal_year": fiscal_year, "analysed_year": analysed_year,
        "analysis": analysis, "form": form, "scores": scores, "saved": "saved" in request.GET,
        **may})


# -- the measures -------------------------------------------------------------------------
def _indicator_choices(fiscal_year: int) -> list[tuple[str, str]]:
    names = documents.indicator_names(fiscal_year)
    return [(n, f"{n}. {names.get(n, '')}") for n in services.INDICATORS]


def _library_choices(weak: list[str]) -> list[tuple[str, str]]:
    """The examples, the weakest indicators' first."""
    shipped = library.shipped().measures
    order = {n: i for i, n in enumerate(weak)}
    ranked = sorted(shipped, key=lambda m: (order.get(m.indicator, 99), int(m.indicator)))
    return [(m.key, f"{m.indicator} · {m.title_th}") for m in ranked]


def _measure_set(request: AuthenticatedRequest, pk: int, fiscal_year: int
                 ) -> tuple[Any, MeasureSet | None]:
    agency = _agency(request, pk)
    return agency, MeasureSet.objects.filter(agency=agency, fiscal_year=_year(fiscal_year)
                                             ).first()


@login_required
@require_http_methods(["GET", "POST"])
def measures_page(request: AuthenticatedRequest, pk: int, fiscal_year: int) -> HttpResponse:
    agency, measure_set = _measure_set(request, pk, fiscal_year)
    if request.method == "POST" and measure_set is None:
        attempt(request, lambda: measures.start_measures(agency, fiscal_year,
                                                         acting_user=request.user),
                _("The measures are started."))
        return redirect(request.path)
    may = _may(request, agency)
    context: dict[str, Any] = {"agency": agency, "fiscal_year": fiscal_year,
                               "measure_set": measure_set, **may}
    if measure_set is None:
        return render(request, "planning/measures.html", context)
    analysis = Analysis.objects.filter(agency=agency, analysed_year=fiscal_year - 1).first()
    weak = services.weakest(analysis.indicators) if analysis else []
    form = MeasureForm(None, fiscal_year=fiscal_year,
                       indicators=_indicator_choices(fiscal_year),
                       initial={"indicator": weak[0] if weak else "1"})
    library_form = LibraryForm(None, choices=_library_choices(weak))
    header = SignatoryForm(None, initial={k: getattr(measure_set, k) for k in (
        "introduction", "signatory_name", "signatory_position", "announced_on")})
    if request.method == "POST":
        require(request.user, "planning.edit", agency)
        which = request.POST.get("form")
        if which == "measure":
            form = MeasureForm(request.POST, fiscal_year=fiscal_year,
                               indicators=_indicator_choices(fiscal_year))
            if _saved(form, lambda: measures.save_measure(
                    measure_set, acting_user=request.user, **form.values())):
                return redirect(request.path + "#measures")
        elif which == "library":
            library_form = LibraryForm(request.POST, choices=_library_choices(weak))
            if _saved(library_form, lambda: measures.add_from_library(
                    measure_set, library_form.cleaned_data["keys"],
                    responsible_unit=library_form.cleaned_data["responsible_unit"],
                    acting_user=request.user)):
                return redirect(request.path + "#measures")
        elif which == "header":
            header = SignatoryForm(request.POST)
            if _saved(header, lambda: measures.save_header(
                    measure_set, acting_user=request.user, **header.cleaned_data)):
                return redirect(request.path)
        else:
            raise Http404
    names = documents.indicator_names(fiscal_year)
    rows = [(m, names.get(m.indicator, "")) for m in sorted(
        measure_set.measures.all(), key=lambda m: (int(m.indicator), m.position, m.pk))]
    context.update({"rows": rows, "form": form, "library_form": library_form,
                    "header": header, "weak": [(n, names.get(n, "")) for n in weak],
                    "comment_form": CommentForm(), "reason_form": ReasonForm(),
                    "editable": measure_set.stage == Stage.DRAFT and may["can_edit"]})
    return render(request, "planning/measures.html", context)


def _saved(form: Any, action: Any) -> bool:
    """Validate ``form`` and run the service; a refusal goes next to its field."""
    if not form.is_valid():
        return False
    try:
        action()
    except ActionRefused as error:
        refuse_into_form(form, error, {"starts_on": "from_month", "ends_on": "to_month"}
                         if isinstance(form, TimeframeForm) and form.cleaned_data.get(
                             "by_month") else None)
        return False
    return True


@login_required
@require_http_methods(["GET", "POST"])
def measure_page(request: AuthenticatedRequest, pk: int, fiscal_year: int, measure_id: int
                 ) -> HttpResponse:
    agency, measure_set = _measure_set(request, pk, fiscal_year)
    measure = get_object_or_404(Measure, pk=measure_id, measure_set=measure_set)
    require(request.user, "planning.edit", agency)
    initial = {k: getattr(measure, k) for k in ("indicator", "title", "guideline", "steps",
                                                "responsible_unit", "monitoring")}
    form = MeasureForm(posted(request), fiscal_year=fiscal_year,
                       indicators=_indicator_choices(fiscal_year),
                       initial=initial | TimeframeForm.initial_for(measure))
    back = reverse("agencies:planning_measures", args=[agency.pk, fiscal_year])
    if request.method == "POST" and _saved(form, lambda: measures.save_measure(
            measure.measure_set, measure, acting_user=request.user, **form.values())):
        return redirect(back + "#measures")
    return render(request, "planning/edit.html", {
        "agency": agency, "fiscal_year": fiscal_year, "form": form, "back": back,
        "heading": _("Change the measure"),
        "delete_url": reverse("agencies:planning_measure_delete",
                              args=[agency.pk, fiscal_year, measure.pk])})


@login_required
@require_http_methods(["GET", "POST"])
def measure_delete(request: AuthenticatedRequest, pk: int, fiscal_year: int, measure_id: int
                   ) -> HttpResponse:
    """Removing a measure asks first (the page works without JavaScript)."""
    agency, measure_set = _measure_set(request, pk, fiscal_year)
    measure = get_object_or_404(Measure, pk=measure_id, measure_set=measure_set)
    require(request.user, "planning.edit", agency)
    back = reverse("agencies:planning_measures", args=[agency.pk, fiscal_year])
    if request.method == "POST":
        attempt(request, lambda: measures.delete_measure(measure, acting_user=request.user),
                _("The measure was removed."))
        return redirect(back + "#measures")
    return render(request, "planning/confirm.html", {
        "agency": agency, "back": back, "heading": _("Remove this measure?"),
        "what": measure.title, "button": _("Remove the measure"),
        "consequence": _("The measure and what was written for it are removed from the "
                         "draft. The audit log keeps a copy.")})


_SET_STEPS: dict[str, tuple[Any, str, Any]] = {
    "submit": (measures.submit, "", gettext_lazy("The measures were sent to the executive.")),
    "approve": (measures.approve, "", gettext_lazy("The measures are approved.")),
    "send-back": (measures.send_back, "comment", gettext_lazy("The measures were sent back.")),
    "reopen": (measures.reopen, "reason", gettext_lazy("The measures are open for changes.")),
}


@login_required
@require_POST
def measures_step(request: AuthenticatedRequest, pk: int, fiscal_year: int, step: str
                  ) -> HttpResponse:
    agency, measure_set = _measure_set(request, pk, fiscal_year)
    if measure_set is None or step not in _SET_STEPS:
        raise Http404
    action, text_field, done = _SET_STEPS[step]
    if text_field:
        attempt(request, lambda: action(measure_set, request.POST.get(text_field, ""),
                                        acting_user=request.user), done)
    else:
        attempt(request, lambda: action(measure_set, acting_user=request.user), done)
    return redirect("agencies:planning_measures", agency.pk, fiscal_year)


# -- progress reports ---------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def report_page(request: AuthenticatedRequest, pk: int, fiscal_year: int, period: int
                ) -> HttpResponse:
    agency, measure_set = _measure_set(request, pk, fiscal_year)
    if period not in ReportPeriod.values:
        raise Http404
    report = ProgressReport.objects.filter(measure_set=measure_set, period=period).first()
    if request.method == "POST" and report is None:
        if measure_set is None:
            raise Http404
        attempt(request, lambda: progress.start_report(measure_set, period,
                                                       acting_user=request.user),
                _("The report is started."))
        return redirect(request.path)
    may = _may(request, agency)
    context: dict[str, Any] = {"agency": agency, "fiscal_year": fiscal_year, "period": period,
                               "measure_set": measure_set, "report": report,
                               "report_kind": f"progress-{period}", **may}
    if report is not None:
        editable = report.stage == Stage.DRAFT and may["can_edit"]
        entries = sorted(report.entries.select_related("measure"),
                         key=lambda e: (int(e.measure.indicator), e.measure.position))
        context.update({
            "editable": editable, "end": progress.period_end(fiscal_year, period),
            "entries": [(e, EntryForm(None, fiscal_year=fiscal_year, prefix=f"e{e.pk}",
                                      initial=_entry_initial(e))) for e in entries],
            "prepared": PreparedByForm(None, initial={
                "name": report.prepared_by_name, "position": report.prepared_by_position}),
            "comment_form": CommentForm()})
    return render(request, "planning/report.html", context)


def _entry_initial(entry: ProgressEntry) -> dict[str, Any]:
    return {"done": entry.done, "outputs": entry.outputs, "outcomes": entry.outcomes,
            "evidence_urls": "\n".join(entry.evidence_urls), "remarks": entry.remarks,
            **TimeframeForm.initial_for(entry)}


@login_required
@require_POST
def entry_save(request: AuthenticatedRequest, pk: int, fiscal_year: int, period: int,
               entry_id: int) -> HttpResponse:
    agency, measure_set = _measure_set(request, pk, fiscal_year)
    entry = get_object_or_404(ProgressEntry, pk=entry_id, report__measure_set=measure_set,
                              report__period=period)
    require(request.user, "planning.edit", agency)
    form = EntryForm(request.POST, fiscal_year=fiscal_year, prefix=f"e{entry.pk}")
    back = reverse("agencies:planning_report", args=[agency.pk, fiscal_year, period])
    if _saved(form, lambda: progress.save_entry(entry, acting_user=request.user,
                                                **form.values())):
        return redirect(f"{back}#entry-{entry.pk}")
    return render(request, "planning/edit.html", {
        "agency": agency, "fiscal_year": fiscal_year, "form": form, "back": back,
        "heading": entry.measure.title}, status=400)


@login_required
@require_POST
def report_step(request: AuthenticatedRequest, pk: int, fiscal_year: int, period: int,
                step: str) -> HttpResponse:
    agency, measure_set = _measure_set(request, pk, fiscal_year)
    report = get_object_or_404(ProgressReport, measure_set=measure_set, period=period)
    user = request.user
    if step == "prepared-by":
        form = PreparedByForm(request.POST)
        if form.is_valid():
            attempt(request, lambda: progress.save_prepared_by(
                report, acting_user=user, **form.cleaned_data), _("Saved."))
    elif step == "submit":
        attempt(request, lambda: progress.submit(report, acting_user=user),
                _("The report was sent to the executive."))
    elif step == "acknowledge":
        attempt(request, lambda: progress.acknowledge(report, acting_user=user),
                _("The report is acknowledged."))
    elif step == "send-back":
        attempt(request, lambda: progress.send_back(report, request.POST.get("comment", ""),
                                                    acting_user=user),
                _("The report was sent back."))
    else:
        raise Http404
    return redirect("agencies:planning_report", agency.pk, fiscal_year, period)


# -- documents and publication ------------------------------------------------------------
def respond_with_document(doc: dict, fmt: str, thai_digits: bool) -> HttpResponse:
    """The document as a PDF or a DOCX download."""
    if fmt == "pdf":
        response = HttpResponse(render_pdf(doc, thai_digits=thai_digits),
                                content_type="application/pdf")
        disposition = "inline"
    elif fmt == "docx":
        response = HttpResponse(render_docx(doc, thai_digits=thai_digits), content_type=(
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"))
        disposition = "attachment"
    else:
        raise Http404
    response["Content-Disposition"] = f'{disposition}; filename="{filename_of(doc, fmt)}"'
    return response


@login_required
@require_GET
def download(request: AuthenticatedRequest, pk: int, fiscal_year: int, kind: str, fmt: str
             ) -> HttpResponse:
    agency = _agency(request, pk)
    if kind not in DocumentKind.values:
        raise Http404
    doc = publishing.draft_of(agency, _year(fiscal_year), kind)
    if doc is None:
        raise Http404
    return respond_with_document(doc, fmt, request.GET.get("digits") == "thai")


@login_required
@require_http_methods(["GET", "POST"])
def publish(request: AuthenticatedRequest, pk: int, fiscal_year: int, kind: str
            ) -> HttpResponse:
    """Publishing asks first, showing the document as it will be published."""
    agency = _agency(request, pk)
    if kind not in DocumentKind.values:
        raise Http404
    if not request.user.has_perm("planning.publish", agency):
        raise PermissionDenied
    back = reverse("agencies:planning", args=[agency.pk]) + f"?year={fiscal_year}"
    if request.method == "POST":
        if attempt(request, lambda: publishing.publish(agency, fiscal_year, kind,
                                                       acting_user=request.user),
                   _("Published. The public page shows this version from now on.")):
            return redirect("planning_public:document", agency.code, fiscal_year, kind)
        return redirect(back)
    doc = publishing.draft_of(agency, _year(fiscal_year), kind)
    if doc is None:
        raise Http404
    return render(request, "planning/publish.html", {
        "agency": agency, "fiscal_year": fiscal_year, "kind": kind, "back": back,
        "label": DocumentKind(kind).label, "doc": prepare(doc),
        "versions": publishing.versions_of(agency, fiscal_year, kind)})
