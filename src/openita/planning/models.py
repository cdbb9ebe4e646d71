"""Improvement planning: what an agency makes of last year's result, and what it does next.

Scores are texts of exactly two decimals, as the scoring engine writes them, whether
openita computed them or the agency typed in the published ones.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from openita.core import audit

MAX_TEXT = 4000  # plain text with line breaks; no HTML is ever stored


class ScoreSource(models.TextChoices):
    OPENITA = "openita", _("From openita (computed or imported)")
    ENTERED = "entered", _("Entered by the agency")


class Analysis(models.Model):
    """The analysis of the agency's result of ``analysed_year``, for the work of the year
    after it. Scores are copied in when the analysis starts, so a later re-run of the result
    does not rewrite what the meeting reviewed."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT,
                               related_name="analyses")
    analysed_year = models.PositiveSmallIntegerField(_("fiscal year analysed"))
    source = models.CharField(max_length=16, choices=ScoreSource.choices)
    framework = models.CharField(max_length=40)
    indicators = models.JSONField(default=dict)  # number -> "85.42"
    total = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    rating = models.CharField(max_length=32, blank=True)
    failed_items = models.JSONField(default=list)  # [[code, title], ...]
    weaknesses = models.TextField(_("urgent weaknesses"), max_length=MAX_TEXT, blank=True)
    topics = models.TextField(_("topics to develop"), max_length=MAX_TEXT, blank=True)
    practice = models.TextField(_("how the findings are put into practice"),
                                max_length=MAX_TEXT, blank=True)
    meeting_on = models.DateField(_("date of the review meeting"), null=True, blank=True)
    meeting_attendees = models.TextField(_("who took part"), max_length=MAX_TEXT, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "analysed_year"],
                                               name="one_analysis_per_agency_year")]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.analysed_year}"



class Stage(models.TextChoices):
    """Where a set of measures or a progress report stands: the admin writes it, sends it
    to the executive, who approves (or acknowledges) it or sends it back."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting the executive")
    APPROVED = "approved", _("Approved by the executive")


class Timeframe(models.Model):
    """When something is done: whole months (shown ``ต.ค. 67 – เม.ย. 68``) or exact days
    (``1 – 30 มิ.ย. 2568``). Both ends fall in the fiscal year of what holds it."""

    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    by_month = models.BooleanField(_("whole months"), default=True)

    class Meta:
        abstract = True


class Signatory(models.Model):
    """Who signs the announcement that adopts a document, and when it was announced."""

    signatory_name = models.CharField(_("signed by (full name)"), max_length=200, blank=True)
    signatory_position = models.CharField(_("position of the signatory"), max_length=200,
                                          blank=True)
    announced_on = models.DateField(_("announced on"), null=True, blank=True)

    class Meta:
        abstract = True


class Approval(models.Model):
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    returned_comment = models.TextField(blank=True)

    class Meta:
        abstract = True


class MeasureSet(Approval, Signatory):
    """The agency's measures (มาตรการ) for ``fiscal_year``, approved by its executive."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT,
                               related_name="measure_sets")
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    introduction = models.TextField(_("background"), max_length=MAX_TEXT, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "fiscal_year"],
                                               name="one_measure_set_per_agency_year")]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.fiscal_year}"


class Measure(Timeframe):
    """One measure for one indicator: what is done, how, by whom, when, how it is followed."""

    measure_set = models.ForeignKey(MeasureSet, on_delete=models.CASCADE,
                                    related_name="measures")
    indicator = models.CharField(_("indicator"), max_length=8)
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("measure"), max_length=300)
    guideline = models.TextField(_("guideline"), max_length=MAX_TEXT, blank=True)
    steps = models.TextField(_("steps or methods"), max_length=MAX_TEXT, blank=True)
    responsible_unit = models.CharField(_("responsible unit"), max_length=300)
    monitoring = models.TextField(_("how it is monitored"), max_length=MAX_TEXT, blank=True)
    library_key = models.CharField(max_length=40, blank=True)  # the example it started from

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title


class ActionPlan(Signatory):
    """A plan of steps for ``fiscal_year``: an agency's (seed 000) or an oversight body's for
    the agencies of its province or ministry (seeds 001, 004). One per owner and year, so
    its public page has a stable address."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, null=True,
                               blank=True, related_name="action_plans")
    province = models.ForeignKey("agencies.Province", on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="+")
    parent = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, null=True,
                               blank=True, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    title = models.CharField(_("title"), max_length=300)
    introduction = models.TextField(_("background"), max_length=MAX_TEXT, blank=True)
    remarks = models.TextField(_("remarks under the table"), max_length=MAX_TEXT, blank=True)
    issued_by = models.CharField(_("issued by (unit)"), max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(name="plan_has_one_owner", condition=(
                Q(agency__isnull=False, province__isnull=True, parent__isnull=True)
                | Q(agency__isnull=True, province__isnull=False, parent__isnull=True)
                | Q(agency__isnull=True, province__isnull=True, parent__isnull=False))),
            models.UniqueConstraint(fields=["agency", "fiscal_year"],
                                    name="one_plan_per_agency_year"),
            models.UniqueConstraint(fields=["province", "fiscal_year"],
                                    name="one_plan_per_province_year"),
            models.UniqueConstraint(fields=["parent", "fiscal_year"],
                                    name="one_plan_per_parent_year"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_oversight(self) -> bool:
        return self.agency_id is None


class PlanPhase(models.Model):
    """A group of steps (preparation, implementation, monitoring…)."""

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="phases")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("phase"), max_length=200)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title


class PlanStep(Timeframe):
    phase = models.ForeignKey(PlanPhase, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(default=0)
    action = models.CharField(_("step"), max_length=500)
    details = models.TextField(_("what is done"), max_length=MAX_TEXT, blank=True)
    responsible_unit = models.CharField(_("responsible unit"), max_length=300)
    remarks = models.TextField(_("remarks"), max_length=MAX_TEXT, blank=True)
    calendar_phase = models.CharField(max_length=32, blank=True)  # filled from this window

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.action


class CoachingKind(models.TextChoices):
    TELEPHONE = "telephone", _("Telephone")
    LINE = "line", _("LINE")
    SITE_VISIT = "site_visit", _("Site visit")
    MEETING = "meeting", _("Meeting")
    OTHER = "other", _("Other")


class CoachingActivity(models.Model):
    """One coaching contact of an oversight body with agencies of its scope."""

    province = models.ForeignKey("agencies.Province", on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="+")
    parent = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, null=True,
                               blank=True, related_name="+")
    held_on = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=16, choices=CoachingKind.choices)
    agencies = models.ManyToManyField("agencies.Agency", related_name="coaching")
    place = models.CharField(_("place"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), max_length=MAX_TEXT, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-pk"]
        constraints = [models.CheckConstraint(name="coaching_has_one_scope", condition=(
            Q(province__isnull=False, parent__isnull=True)
            | Q(province__isnull=True, parent__isnull=False)))]

    def __str__(self) -> str:
        return f"{self.held_on} {self.kind}"


class ReportPeriod(models.IntegerChoices):
    SIX_MONTHS = 6, _("6 months")
    TWELVE_MONTHS = 12, _("12 months")


class ProgressReport(Approval):
    """What came of the approved measures after 6 or 12 months of the fiscal year; the
    executive acknowledges it (``Stage.APPROVED``)."""

    measure_set = models.ForeignKey(MeasureSet, on_delete=models.PROTECT,
                                    related_name="reports")
    period = models.PositiveSmallIntegerField(_("period"), choices=ReportPeriod.choices)
    prepared_by_name = models.CharField(_("prepared by (full name)"), max_length=200,
                                        blank=True)
    prepared_by_position = models.CharField(_("position"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    reminded_on = models.DateField(null=True, blank=True)  # the last reminder sent

    class Meta:
        constraints = [models.UniqueConstraint(fields=["measure_set", "period"],
                                               name="one_report_per_period")]

    def __str__(self) -> str:
        return f"{self.measure_set_id} {self.period}"


class ProgressEntry(Timeframe):
    """What was done for one measure in the period of the report."""

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE,
                               related_name="entries")
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="+")
    done = models.TextField(_("what was done"), max_length=MAX_TEXT, blank=True)
    outputs = models.TextField(_("outputs"), max_length=MAX_TEXT, blank=True)
    outcomes = models.TextField(_("outcomes"), max_length=MAX_TEXT, blank=True)
    evidence_urls = models.JSONField(default=list)
    remarks = models.TextField(_("remarks"), max_length=MAX_TEXT, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "measure"],
                                               name="one_entry_per_measure")]

    def __str__(self) -> str:
        return f"{self.report_id} {self.measure_id}"


class DocumentKind(models.TextChoices):
    """What can be published, with the last part of its public address."""

    ANALYSIS = "analysis", _("Analysis of last year's result")
    MEASURES = "measures", _("Measures")
    PLAN = "plan", _("Action plan")
    PROGRESS_6 = "progress-6", _("Progress report after 6 months")
    PROGRESS_12 = "progress-12", _("Progress report after 12 months")


class PublishedDocument(models.Model):
    """A version of a document as it was published: its content is kept as it was (a JSON
    copy of the document), so the draft may change without changing what was cited."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT,
                               related_name="published_documents")
    fiscal_year = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=16, choices=DocumentKind.choices)
    version = models.PositiveSmallIntegerField()
    content = models.JSONField()
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(
            fields=["agency", "fiscal_year", "kind", "version"], name="one_version_number")]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.fiscal_year} {self.kind} v{self.version}"


@audit.actions
class AuditAction(models.TextChoices):
    """What the audit log records of improvement planning."""

    ANALYSIS_START = "planning.analysis_start", _("Analysis of last year's result started")
    ANALYSIS_SAVE = "planning.analysis_save", _("Analysis of last year's result saved")
    MEASURES_SAVE = "planning.measures_save", _("Measures changed")
    MEASURES_SUBMIT = "planning.measures_submit", _("Measures sent to the executive")
    MEASURES_APPROVE = "planning.measures_approve", _("Measures approved")
    MEASURES_RETURN = "planning.measures_return", _("Measures sent back")
    MEASURES_REOPEN = "planning.measures_reopen", _("Approved measures reopened for changes")
    PLAN_SAVE = "planning.plan_save", _("Action plan changed")
    COACHING_SAVE = "planning.coaching_save", _("Coaching activity recorded")
    COACHING_DELETE = "planning.coaching_delete", _("Coaching activity removed")
    REPORT_SAVE = "planning.report_save", _("Progress report changed")
    REPORT_SUBMIT = "planning.report_submit", _("Progress report sent to the executive")
    REPORT_ACKNOWLEDGE = "planning.report_acknowledge", _("Progress report acknowledged")
    REPORT_RETURN = "planning.report_return", _("Progress report sent back")
    PUBLISH = "planning.publish", _("Document published")
