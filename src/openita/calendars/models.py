"""Assessment years, their calendars of phase windows with extensions, and enrolments.

An enrolment joins an agency of the registry to one year, so it lives with the year: the
registry below knows nothing of years, and every app of the year's work above builds on it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from openita.core import audit


class Phase(models.TextChoices):
    """The steps of a year, in the order NACC runs them (SPEC §2)."""

    REGISTRATION = "registration", _("Registration and headcounts")
    OIT_ENTRY = "oit_entry", _("OIT entry")
    IIT_COLLECTION = "iit_collection", _("IIT collection")
    EIT_COLLECTION = "eit_collection", _("EIT collection")
    OIT_REVIEW = "oit_review", _("OIT review")
    PRELIMINARY_RELEASE = "preliminary_release", _("Preliminary release")
    CLARIFICATION = "clarification", _("Clarification")
    CONFIRMATION = "confirmation", _("Confirmation")
    PUBLICATION = "publication", _("Publication")


PHASE_ORDER = [phase.value for phase in Phase]


class YearStatus(models.TextChoices):
    DRAFT = "draft", _("Being prepared")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class AssessmentYear(models.Model):
    fiscal_year = models.PositiveSmallIntegerField(
        _("fiscal year (B.E.)"), unique=True,
        validators=[MinValueValidator(2560), MaxValueValidator(2700)],
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=YearStatus.choices, default=YearStatus.DRAFT
    )
    framework = models.ForeignKey(
        "frameworks.FrameworkVersion", on_delete=models.PROTECT, null=True, blank=True,
        related_name="years", verbose_name=_("framework"),
    )
    iit_requires_access_code = models.BooleanField(
        _("IIT respondents need a one-time access code"), default=True)
    provisional_scores_visible = models.BooleanField(
        _("agencies see provisional scores during collection"), default=False)
    # What people outside NACC see of a collection moves only in batches (see
    # surveys/release.py): at most once per interval, and only after this many new answers.
    release_interval_hours = models.PositiveSmallIntegerField(
        _("hours between two releases of collection figures"), default=24,
        validators=[MinValueValidator(1), MaxValueValidator(720)])
    release_batch = models.PositiveIntegerField(
        _("new responses needed before the figures are released again"), default=10,
        validators=[MinValueValidator(10), MaxValueValidator(10_000)])
    access_code_margin_percent = models.PositiveSmallIntegerField(
        _("IIT access codes allowed beyond the approved headcount (%)"), default=10,
        validators=[MinValueValidator(0), MaxValueValidator(100)])
    # The share of first OIT decisions that a second consultant of the team checks again
    # (drawn per item, reproducibly); disagreements go to the team lead (issue 10).
    oit_second_review_percent = models.PositiveSmallIntegerField(
        _("OIT decisions checked by a second consultant (%)"), default=10,
        validators=[MinValueValidator(0), MaxValueValidator(100)])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-fiscal_year"]
        verbose_name = _("assessment year")

    def __str__(self) -> str:
        return self.title or f"ITA {self.fiscal_year}"


class PhaseWindow(models.Model):
    """A phase opens at 00:00 on ``opens_on`` and closes at 24:00 on ``closes_on`` (Bangkok)."""

    year = models.ForeignKey(AssessmentYear, on_delete=models.CASCADE, related_name="windows")
    phase = models.CharField(_("phase"), max_length=32, choices=Phase.choices)
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))

    class Meta:
        verbose_name = _("phase window")
        constraints = [
            models.UniqueConstraint(fields=["year", "phase"], name="one_window_per_phase"),
            models.CheckConstraint(
                condition=models.Q(closes_on__gte=models.F("opens_on")),
                name="window_closes_after_it_opens",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_phase_display()}"


class PhaseExtension(models.Model):
    """A later closing date for everyone (no agency) or for one agency, with its reason."""

    window = models.ForeignKey(PhaseWindow, on_delete=models.CASCADE, related_name="extensions")
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, null=True, blank=True,
        related_name="phase_extensions", verbose_name=_("agency"),
    )
    closes_on = models.DateField(_("new closing date"))
    reason = models.TextField(_("reason"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-granted_at"]
        verbose_name = _("extension")

    def __str__(self) -> str:
        return f"{self.window} → {self.closes_on}"


class EnrolmentState(models.TextChoices):
    NOT_REGISTERED = "not_registered", _("Not registered")
    REGISTERED = "registered", _("Registered")
    HEADCOUNT_SUBMITTED = "headcount_submitted", _("Headcount awaiting approval")
    HEADCOUNT_APPROVED = "headcount_approved", _("Headcount approved")


class Enrolment(models.Model):
    """An agency's participation in one assessment year; later phases extend the states."""

    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="enrolments")
    year = models.ForeignKey(
        AssessmentYear, on_delete=models.PROTECT, related_name="enrolments"
    )
    state = models.CharField(
        _("state"), max_length=32, choices=EnrolmentState.choices,
        default=EnrolmentState.NOT_REGISTERED, db_index=True,
    )
    registered_at = models.DateTimeField(null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    headcount = models.PositiveIntegerField(
        _("staff with at least one year of service"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(1_000_000)],
    )
    headcount_submitted_at = models.DateTimeField(null=True, blank=True)
    headcount_submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    headcount_approved_at = models.DateTimeField(null=True, blank=True)
    headcount_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    headcount_returned_reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("enrolment")
        constraints = [
            models.UniqueConstraint(fields=["agency", "year"], name="one_enrolment_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.agency} {self.year}"


@audit.actions
class AuditAction(models.TextChoices):
    """What the audit log records of years, their calendars and enrolments."""

    YEAR_CREATE = "year.create", _("Assessment year created")
    YEAR_STATUS = "year.set_status", _("Year opened or closed")
    YEAR_SETTINGS = "year.settings", _("Year settings changed")
    FRAMEWORK_ATTACH = "year.attach_framework", _("Framework chosen for the year")
    WINDOW_SET = "phase.set_window", _("Phase dates set")
    PHASE_EXTEND = "phase.extend", _("Phase extended")
    ENROL = "enrolment.register", _("Agency registered for the year")
    HEADCOUNT_SUBMIT = "enrolment.submit_headcount", _("Headcount entered")
    HEADCOUNT_APPROVE = "enrolment.approve_headcount", _("Headcount approved")
    HEADCOUNT_RETURN = "enrolment.return_headcount", _("Headcount sent back")
