"""Improvement planning: what an agency makes of last year's result, and what it does next.

Scores are texts of exactly two decimals, as the scoring engine writes them, whether
openita computed them or the agency typed in the published ones.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
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


@audit.actions
class AuditAction(models.TextChoices):
    """What the audit log records of improvement planning."""

    ANALYSIS_START = "planning.analysis_start", _("Analysis of last year's result started")
    ANALYSIS_SAVE = "planning.analysis_save", _("Analysis of last year's result saved")
