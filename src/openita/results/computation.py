"""Computing a year's results: NACC asks (``request_run``), a Celery worker computes in
batches (``execute``), and every score comes from the scoring engine.

A final run scores each registered agency from its counted survey responses and its
confirmed OIT; one that cannot be scored yet (no counted responses in an instrument, an
OIT approved but not confirmed) is listed with the reason and keeps no final result. A
provisional run scores what there is so far: the instruments that can be scored, and the
total once all three can. Re-running is safe: a result whose inputs have not changed stays
as it was, so a run killed halfway is simply run again.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openita.accounts.models import User
from openita.agencies.models import Agency
from openita.calendars.models import AssessmentYear, Enrolment, EnrolmentState
from openita.core import audit
from openita.core.audit import SystemActor
from openita.core.errors import ActionRefused
from openita.core.permissions import require
from openita.frameworks import services as frameworks
from openita.frameworks.schema import Framework
from openita.scoring import InvalidInput, fmt, score, score_oit, survey_scores_from_counts

from .inputs import Inputs, inputs_of
from .models import AgencyResult, AuditAction, ComputationRun, ResultKind, RunState

BATCH = 500
COMPUTER = SystemActor("openita results")
# Why an agency has no result of the run, as NACC reads it.
REASONS = {
    "no_responses": gettext_lazy("no counted responses in %(instrument)s"),
    "oit_not_confirmed": gettext_lazy("OIT approved but not confirmed"),
    "oit_not_decided": gettext_lazy("OIT items not all decided"),
    "oit_not_approved": gettext_lazy("OIT not approved by the agency's executive"),
    "invalid": gettext_lazy("data the scoring engine refuses: %(instrument)s"),
}


def framework_of(year: AssessmentYear) -> tuple[Framework, str]:
    if year.framework is None:
        raise ActionRefused(_("This year has no framework yet."))
    return frameworks.framework_of(year.framework), year.framework.checksum


@transaction.atomic
def request_run(year: AssessmentYear, kind: str, *, acting_user: User,
                agency: Agency | None = None) -> ComputationRun:
    """NACC asks for a computation of the year (or of one agency); a worker runs it after
    the commit. Refused while another run of the year is under way, and for a final run
    once the year's results are published."""
    run = _new_run(year, kind, acting_user=acting_user, agency=agency)
    from .tasks import compute

    transaction.on_commit(lambda: compute.delay(run.pk))
    return run


def run_now(year: AssessmentYear, kind: str, *, acting_user: User,
            agency: Agency | None = None) -> ComputationRun:
    """The same computation, run here and now: for the command line and the demo, never
    for a request."""
    run = _new_run(year, kind, acting_user=acting_user, agency=agency)
    return execute(run.pk)


@transaction.atomic
def _new_run(year: AssessmentYear, kind: str, *, acting_user: User,
             agency: Agency | None) -> ComputationRun:
    require(acting_user, "results.compute")
    year = AssessmentYear.objects.select_for_update().get(pk=year.pk)
    if kind not in (ResultKind.PROVISIONAL, ResultKind.FINAL):
        raise ActionRefused(_("Choose a provisional or a final computation."))
    framework_of(year)
    if kind == ResultKind.FINAL and hasattr(year, "publication"):
        raise ActionRefused(_("The results of this year are published; they are no longer "
                              "computed again."))
    if ComputationRun.objects.filter(year=year, state__in=[RunState.QUEUED,
                                                           RunState.RUNNING]).exists():
        raise ActionRefused(_("A computation of this year is already under way."))
    if agency is not None and not Enrolment.objects.filter(year=year, agency=agency).exclude(
            state=EnrolmentState.NOT_REGISTERED).exists():
        raise ActionRefused(_("This agency is not registered in this year."), field="agency")
    run = ComputationRun.objects.create(year=year, kind=kind, agency=agency,
                                        requested_by=acting_user)
    audit.record(AuditAction.COMPUTE, actor=acting_user, obj=run,
                 after={"fiscal_year": year.fiscal_year, "kind": kind,
                        "agency": agency.code if agency else None})
    return run


def _enrolments(run: ComputationRun) -> list[tuple[int, int]]:
    """(enrolment id, agency id) of the registered agencies the run scores."""
    enrolments = Enrolment.objects.filter(year=run.year).exclude(
        state=EnrolmentState.NOT_REGISTERED)
    if run.agency_id:
        enrolments = enrolments.filter(agency_id=run.agency_id)
    return list(enrolments.order_by("agency__code").values_list("pk", "agency_id"))


def execute(run_id: int) -> ComputationRun:
    """Compute the run's results in batches, each stored in its own transaction, the
    progress written after each; a run already done is left as it is."""
    run = ComputationRun.objects.select_related("year__framework").get(pk=run_id)
    if run.state in (RunState.DONE, RunState.FAILED):
        return run
    framework, checksum = framework_of(run.year)
    started = time.perf_counter()
    todo = _enrolments(run)
    ComputationRun.objects.filter(pk=run.pk).update(
        state=RunState.RUNNING, started_at=timezone.now(), planned=len(todo), done=0,
        changed=0, unchanged=0, incomplete=[], error="")
    stages = {"read": 0.0, "score": 0.0, "store": 0.0}
    incomplete: list[dict[str, str]] = []
    changed = unchanged = 0
    try:
        for start in range(0, len(todo), BATCH):
            batch = todo[start:start + BATCH]
            t0 = time.perf_counter()
            found = inputs_of([e for e, _a in batch], framework, final=run.kind == "final")
            t1 = time.perf_counter()
            rows, missing = _scored(run, framework, checksum, found, dict(batch))
            t2 = time.perf_counter()
            c, u = _store(run, rows)
            stages["read"] += t1 - t0
            stages["score"] += t2 - t1
            stages["store"] += time.perf_counter() - t2
            changed, unchanged = changed + c, unchanged + u
            incomplete.extend(missing)
            ComputationRun.objects.filter(pk=run.pk).update(
                done=start + len(batch), changed=changed, unchanged=unchanged)
    except Exception as error:
        ComputationRun.objects.filter(pk=run.pk).update(
            state=RunState.FAILED, finished_at=timezone.now(), error=repr(error)[:2000])
        raise
    stages["total"] = time.perf_counter() - started
    with transaction.atomic():
        ComputationRun.objects.filter(pk=run.pk).update(
            state=RunState.DONE, finished_at=timezone.now(), incomplete=incomplete,
            stages={k: round(v, 3) for k, v in stages.items()})
        run.refresh_from_db()
        audit.record(AuditAction.COMPUTED, actor=COMPUTER, obj=run,
                     after={"fiscal_year": run.year.fiscal_year, "kind": run.kind,
                            "scored": changed + unchanged, "changed": changed,
                            "incomplete": len(incomplete)})
    return run


def _scored(run: ComputationRun, framework: Framework, checksum: str, found: list[Inputs],
            agency_of: dict[int, int]) -> tuple[list[AgencyResult], list[dict[str, str]]]:
    codes = dict(Agency.objects.filter(pk__in=agency_of.values()).values_list("pk", "code"))
    rows, missing = [], []
    now = timezone.now()
    for inputs in found:
        agency_id = agency_of[inputs.enrolment_id]
        try:
            scores = _scores(framework, inputs, final=run.kind == ResultKind.FINAL)
        except Unscorable as reason:
            missing.append({"agency": codes[agency_id], "reason": reason.code,
                            "instrument": reason.instrument})
            continue
        rows.append(AgencyResult(
            year_id=run.year_id, agency_id=agency_id, kind=run.kind, run=run,
            framework=framework.id, framework_checksum=checksum,
            inputs_digest=inputs.digest(framework, checksum), computed_at=now, **scores))
    return rows, missing


class Unscorable(Exception):
    def __init__(self, code: str, instrument: str = "") -> None:
        super().__init__(code)
        self.code, self.instrument = code, instrument


def _scores(framework: Framework, inputs: Inputs, *, final: bool) -> dict[str, Any]:
    """The stored fields of one result, from the engine."""
    surveys: list[str] = [i.code for i in framework.instruments if i.kind == "survey"]
    lacking = [i for i in surveys if i not in inputs.counts]
    if final and lacking:
        raise Unscorable("no_responses", lacking[0])
    if final and inputs.oit is None:
        raise Unscorable(inputs.oit_note)
    try:
        if not lacking and inputs.oit is not None:
            breakdown = score(framework, counts=inputs.counts, oit=inputs.oit)
            return {"indicators": _two(breakdown.indicators),
                    "instruments": _two(breakdown.instruments),
                    "weighted": _two(breakdown.weighted),
                    "subindicators": _two(breakdown.subindicators),
                    "respondents": dict(breakdown.respondents),
                    "total": Decimal(fmt(breakdown.total)), "rating": breakdown.rating.code}
        return _partial(framework, inputs, surveys)
    except InvalidInput as error:  # data the engine refuses: say which, never guess
        raise Unscorable("invalid", str(error)) from None


def _partial(framework: Framework, inputs: Inputs, surveys: list[str]) -> dict[str, Any]:
    """A provisional result of the instruments that can be scored so far (no total)."""
    indicators: dict[str, str] = {}
    instruments: dict[str, str] = {}
    respondents = {i: 0 for i in surveys}
    subindicators: dict[str, str] = {}
    for instrument, counted in inputs.counts.items():
        per_indicator, value, n = survey_scores_from_counts(framework, instrument, counted)
        indicators.update(_two(per_indicator))
        instruments[instrument], respondents[instrument] = fmt(value), n
    if inputs.oit is not None:
        oit = score_oit(framework, inputs.oit)
        indicators.update(_two(oit.indicators))
        subindicators = _two(oit.subindicators)
        disclosure = next(i.code for i in framework.instruments if i.kind == "disclosure")
        instruments[disclosure] = fmt(oit.instrument)
    ordered = {i.number: indicators[i.number] for i in framework.indicators
               if i.number in indicators}
    return {"indicators": ordered, "instruments": instruments, "weighted": {},
            "subindicators": subindicators, "respondents": respondents, "total": None,
            "rating": ""}


def _two(values: dict[str, Any]) -> dict[str, str]:
    return {key: fmt(value) for key, value in values.items()}


def _store(run: ComputationRun, rows: list[AgencyResult]) -> tuple[int, int]:
    """Keep the batch's results: a result whose inputs are unchanged stays as it was.
    (changed or new, unchanged)."""
    if not rows:
        return 0, 0
    with transaction.atomic():
        kept = {r.agency_id: r for r in AgencyResult.objects.select_for_update().filter(
            year_id=run.year_id, kind=run.kind, agency_id__in=[r.agency_id for r in rows])}
        new, updated, unchanged = [], [], 0
        for row in rows:
            old = kept.get(row.agency_id)
            if old is None:
                new.append(row)
            elif old.inputs_digest == row.inputs_digest and old.framework_checksum == (
                    row.framework_checksum):
                unchanged += 1
            else:
                row.pk = old.pk
                updated.append(row)
        AgencyResult.objects.bulk_create(new)
        AgencyResult.objects.bulk_update(updated, [
            "framework", "framework_checksum", "inputs_digest", "indicators", "instruments",
            "weighted", "subindicators", "respondents", "total", "rating", "computed_at",
            "run"])
    return len(new) + len(updated), unchanged
