"""Results of a year: each agency's scores as the scoring engine computed them (or as they
were published before openita), the computation runs that made them, and the year's
publication.

A result keeps the framework it was scored by and a digest of the inputs it was scored
from: computed again from the same inputs it is the same row, unchanged; a changed input
shows as a changed digest (and the run counts it).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from openita.core import audit


class ResultKind(models.TextChoices):
    PROVISIONAL = "provisional", _("Provisional")
    FINAL = "final", _("Final")
    IMPORTED = "imported", _("Published before openita")


class RunState(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Computing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ComputationRun(models.Model):
    """One computation of a year's results: of every enrolled agency, or of one."""

    year = models.ForeignKey("calendars.AssessmentYear", on_delete=models.PROTECT,
                             related_name="computation_runs")
    kind = models.CharField(max_length=16, choices=ResultKind.choices)
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, null=True,
                               blank=True, related_name="+")
    state = models.CharField(max_length=16, choices=RunState.choices,
                             default=RunState.QUEUED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Progress, written after each batch of agencies.
    planned = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    # Agencies that could not be scored, and why: [{"agency": code, "reason": text}].
    incomplete = models.JSONField(default=list, blank=True)
    stages = models.JSONField(default=dict, blank=True)  # seconds per stage
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.year} ({self.get_state_display()})"

    @property
    def percent(self) -> int:
        return 100 if not self.planned else min(100, round(100 * self.done / self.planned))

    @property
    def active(self) -> bool:
        return self.state in (RunState.QUEUED, RunState.RUNNING)


class AgencyResult(models.Model):
    """An agency's scores in a year: every score a text of exactly two decimals, as the
    engine writes them (``scoring.as_json``)."""

    year = models.ForeignKey("calendars.AssessmentYear", on_delete=models.PROTECT,
                             related_name="results")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT,
                               related_name="results")
    kind = models.CharField(max_length=16, choices=ResultKind.choices)
    framework = models.CharField(_("framework"), max_length=40)
    framework_checksum = models.CharField(max_length=64, blank=True)
    inputs_digest = models.CharField(max_length=64)
    indicators = models.JSONField(default=dict)
    instruments = models.JSONField(default=dict)
    weighted = models.JSONField(default=dict, blank=True)
    subindicators = models.JSONField(default=dict, blank=True)
    respondents = models.JSONField(default=dict, blank=True)
    # None while an instrument is still missing (a provisional result).
    total = models.DecimalField(_("total"), max_digits=5, decimal_places=2, null=True,
                                blank=True)
    rating = models.CharField(_("rating"), max_length=32, blank=True)
    computed_at = models.DateTimeField()
    run = models.ForeignKey(ComputationRun, on_delete=models.SET_NULL, null=True,
                            blank=True, related_name="results")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["year", "agency", "kind"],
                                               name="one_result_per_kind")]
        indexes = [models.Index(fields=["year", "kind", "total"])]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.year_id} {self.kind} {self.total}"


class Publication(models.Model):
    """The year's results made public: before it, nothing of them is."""

    year = models.OneToOneField("calendars.AssessmentYear", on_delete=models.PROTECT,
                                related_name="publication")
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    run = models.ForeignKey(ComputationRun, on_delete=models.PROTECT, null=True,
                            blank=True, related_name="+")

    def __str__(self) -> str:
        return f"{self.year} published {self.published_at:%Y-%m-%d}"


@audit.actions
class AuditAction(models.TextChoices):
    """What the audit log records of the results."""

    COMPUTE = "results.compute", _("Results computation requested")
    COMPUTED = "results.computed", _("Results computed")
    PUBLISH = "results.publish", _("Results published")
    IMPORT_PAST = "results.import_past", _("Results of past years imported")
    AWARD_DEFINE = "results.award_define", _("Award category defined")
    AWARD_REMOVE = "results.award_remove", _("Award category removed")
    NEWS_SAVE = "results.news_save", _("News post saved")
    NEWS_PUBLISH = "results.news_publish", _("News post published")
    NEWS_WITHDRAW = "results.news_withdraw", _("News post withdrawn from the public page")


class AwardRule(models.TextChoices):
    TOP_PER_KIND = "top_per_kind", _("The top agencies of each agency type")
    MIN_TOTAL = "min_total", _("Every agency at or above a total")


class AwardCategory(models.Model):
    """A category of NACC's awards for a year: who is in it follows from the year's final
    results by its rule, never by hand."""

    year = models.ForeignKey("calendars.AssessmentYear", on_delete=models.PROTECT,
                             related_name="award_categories")
    name_th = models.CharField(_("name (Thai)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    rule = models.CharField(_("rule"), max_length=16, choices=AwardRule.choices)
    # TOP_PER_KIND: how many of each type (ties at the last place are all in);
    # MIN_TOTAL: the lowest total that is in.
    top = models.PositiveSmallIntegerField(_("how many of each type"), null=True, blank=True)
    min_total = models.DecimalField(_("lowest total"), max_digits=5, decimal_places=2,
                                    null=True, blank=True)
    kinds = models.JSONField(_("agency types"), default=list, blank=True)  # [] = every type
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["year", "id"]
        verbose_name = _("award category")
        constraints = [
            models.CheckConstraint(name="award_rule_has_its_figure", condition=(
                Q(rule="top_per_kind", top__gte=1) | Q(rule="min_total", min_total__gte=0))),
        ]

    def __str__(self) -> str:
        return self.name_th


class NewsPost(models.Model):
    """News and documents NACC posts for the public home page; a draft until published."""

    title_th = models.CharField(_("title (Thai)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    body_th = models.TextField(_("text (Thai)"))
    body_en = models.TextField(_("text (English)"), blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("news post")

    def __str__(self) -> str:
        return self.title_th


class NewsAttachment(models.Model):
    """A document attached to a news post, kept through the storage API."""

    post = models.ForeignKey(NewsPost, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="news/%Y/")
    name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["id"]
        verbose_name = _("attachment")

    def __str__(self) -> str:
        return self.name


class OpenDataFile(models.Model):
    """A CSV file of a published year's open data, written once after publication (the
    answers of a national year are over a million rows: they are not read again for every
    download) and kept through the storage API."""

    year = models.ForeignKey("calendars.AssessmentYear", on_delete=models.PROTECT,
                             related_name="open_data_files")
    name = models.CharField(max_length=32)  # results, oit, responses-iit, responses-eit
    file = models.FileField(upload_to="opendata/")
    rows = models.PositiveIntegerField()
    size = models.PositiveBigIntegerField()
    written_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["year", "name"],
                                               name="one_open_data_file")]

    def __str__(self) -> str:
        return f"ita-{self.year.fiscal_year}-{self.name}.csv"
