"""An agency's OIT for one year: its answers per item, the evidence captured from its
website, the consultants' decisions, the clarification round and the confirmation.

Everything is keyed by the enrolment (agency × year) and the item's code in that year's
framework ("O12"), never by a position in a list: NACC renumbers the items between years.
States change only through ``services`` (each change audited in its transaction).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from openita.core import audit

MAX_URLS = 5
MAX_URL_LENGTH = 2000
MAX_EXPLANATION = 2000
MAX_COMMENT = 4000


class SubmissionState(models.TextChoices):
    DRAFT = "draft", _("Being prepared")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting the executive's approval")
    APPROVED = "approved", _("Approved; evidence kept")


class ClarificationState(models.TextChoices):
    NONE = "none", _("No clarification")
    DRAFT = "draft", _("Clarification being prepared")
    AWAITING_APPROVAL = "awaiting_approval", _("Clarification awaiting the executive")
    FILED = "filed", _("Clarification filed")


class Submission(models.Model):
    """One agency's OIT in one year: its answers are edited while ``draft``, sent to the
    executive, approved (which locks them and captures the evidence) or sent back."""

    enrolment = models.OneToOneField("calendars.Enrolment", on_delete=models.PROTECT,
                                     related_name="oit")
    state = models.CharField(_("state"), max_length=24, choices=SubmissionState.choices,
                             default=SubmissionState.DRAFT, db_index=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    # Each approval captures the evidence anew under its own number, so a capture made for
    # a withdrawn approval is never taken for the current one.
    approval_round = models.PositiveSmallIntegerField(default=0)
    returned_comment = models.TextField(_("comment from the executive"), blank=True)
    clarification = models.CharField(
        _("clarification"), max_length=24, choices=ClarificationState.choices,
        default=ClarificationState.NONE, db_index=True)
    clarification_submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+")
    clarification_filed_at = models.DateTimeField(null=True, blank=True)
    clarification_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+")
    clarification_returned_comment = models.TextField(blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")
    # The OIT as the scoring engine computed it at confirmation: sub-indicator, indicator
    # and instrument scores as exact decimal strings ({"9.1": "80.00", ..., "OIT": "…"}).
    scores = models.JSONField(null=True, blank=True)

    class Meta:
        verbose_name = _("OIT submission")

    def __str__(self) -> str:
        return f"OIT {self.enrolment}"


class ItemState(models.TextChoices):
    DRAFT = "draft", _("Not yet submitted")
    AWAITING_REVIEW = "awaiting_review", _("Awaiting review")
    REVIEWED = "reviewed", _("Reviewed")
    RELEASED = "released", _("Released to the agency")
    DISPUTED = "disputed", _("Disputed by the agency")
    ANSWERED = "answered", _("Dispute answered")
    FINAL = "final", _("Final")


class SecondReview(models.TextChoices):
    NONE = "", _("Not drawn")
    PENDING = "pending", _("Awaiting a second consultant")
    AGREES = "agrees", _("Second consultant agrees")
    DISAGREES = "disagrees", _("Second consultant disagrees")
    SETTLED = "settled", _("Settled by the team lead")


class Answer(models.Model):
    """The agency's answer to one OIT item, and where its review stands.

    The current decision is kept on the row (``passed``, ``decided_by``) so the review
    queue reads one table; every decision ever made is a ``Decision`` row.
    """

    # No index of its own: the unique (submission, item) and the (submission, state, item)
    # indexes both begin with it.
    submission = models.ForeignKey(Submission, on_delete=models.PROTECT,
                                   related_name="answers", db_index=False)
    item_code = models.CharField(_("item"), max_length=40)
    # Whether the agency publishes the data; None until it says.
    publishes = models.BooleanField(_("the agency publishes this"), null=True)
    urls = models.JSONField(_("web addresses"), default=list, blank=True)
    explanation = models.TextField(_("where the data is on the page"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    state = models.CharField(_("state"), max_length=24, choices=ItemState.choices,
                             default=ItemState.DRAFT, db_index=True)
    passed = models.BooleanField(_("passes"), null=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    second_review = models.CharField(max_length=16, choices=SecondReview.choices,
                                     default=SecondReview.NONE, blank=True, db_index=True)

    class Meta:
        verbose_name = _("OIT answer")
        constraints = [
            models.UniqueConstraint(fields=["submission", "item_code"],
                                    name="one_answer_per_item"),
        ]
        # (submission, state, item) covers the queue's counts per state and item: the
        # database counts from the index alone, without reading the answers' rows.
        indexes = [models.Index(fields=["state", "item_code"]),
                   models.Index(fields=["submission", "state", "item_code"],
                                name="answer_submission_state_item")]

    def __str__(self) -> str:
        return f"{self.item_code} {self.submission.enrolment}"

    @property
    def answered(self) -> bool:
        """Said whether it publishes, and if it does, gave at least one address."""
        return self.publishes is False or (self.publishes is True and bool(self.urls))


class CapturePurpose(models.TextChoices):
    CHECK = "check", _("Link check by the agency")
    SUBMISSION = "submission", _("Evidence kept at approval")
    RECHECK = "recheck", _("Checked again by a consultant")


class Capture(models.Model):
    """What one URL gave when openita fetched it: immutable once written. A check or a
    re-check adds a new capture; the evidence of an approval is the capture with that
    approval's ``job_key``. The stored copy (up to the size limit) is a file in Django's
    storage named by its SHA-256, so writing it twice writes the same file."""

    answer = models.ForeignKey(Answer, on_delete=models.PROTECT, related_name="captures")
    purpose = models.CharField(max_length=16, choices=CapturePurpose.choices)
    # Names the job that made this capture; a task run twice finds its capture and stops.
    job_key = models.CharField(max_length=200, unique=True)
    requested_url = models.CharField(max_length=MAX_URL_LENGTH)
    final_url = models.CharField(max_length=MAX_URL_LENGTH, blank=True)
    redirects = models.JSONField(default=list, blank=True)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=200, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    declared_size = models.PositiveBigIntegerField(null=True, blank=True)
    truncated = models.BooleanField(default=False)
    sha256 = models.CharField(max_length=64, blank=True)
    title = models.CharField(max_length=500, blank=True)
    excerpt = models.TextField(blank=True)
    text = models.TextField(blank=True)
    kind = models.CharField(max_length=16, blank=True)
    note = models.CharField(max_length=300, blank=True)
    problem = models.CharField(max_length=32, blank=True)
    findings = models.JSONField(default=list, blank=True)
    detail = models.CharField(max_length=500, blank=True)
    address = models.CharField(max_length=64, blank=True)
    elapsed_ms = models.PositiveIntegerField(default=0)
    stored_name = models.CharField(max_length=200, blank=True)
    fetched_at = models.DateTimeField()

    class Meta:
        verbose_name = _("capture")
        indexes = [models.Index(fields=["answer", "purpose", "-fetched_at"])]

    def __str__(self) -> str:
        return self.requested_url

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("a capture is never changed once written; add a new one")
        super().save(*args, **kwargs)


class CaptureSnapshot(models.Model):
    """A picture of a kept copy's first page (``snapshots``), made after the capture."""

    capture = models.OneToOneField(Capture, on_delete=models.CASCADE, related_name="snapshot")
    stored_name = models.CharField(max_length=200, blank=True)  # '' when nothing was drawn
    note = models.CharField(max_length=200, blank=True)
    made_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"snapshot of {self.capture_id}"


class LinkCheck(models.Model):
    """One press of "check my links": which URLs it asked for (its captures arrive as the
    worker fetches them)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE,
                                   related_name="link_checks")
    requested_at = models.DateTimeField(auto_now_add=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    expected = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"link check {self.requested_at:%Y-%m-%d %H:%M}"


class DecisionRound(models.TextChoices):
    FIRST = "first", _("Review")
    SECOND = "second", _("Second review")
    LEAD = "lead", _("Team lead")
    CLARIFICATION = "clarification", _("Answer to a clarification")
    AUTOMATIC = "automatic", _("Not published by the agency")


class Decision(models.Model):
    """A pass or fail of one item by one consultant, with a tick per criterion; never
    changed once written (a later decision is a new row)."""

    answer = models.ForeignKey(Answer, on_delete=models.PROTECT, related_name="decisions")
    round = models.CharField(max_length=16, choices=DecisionRound.choices)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 null=True, blank=True, related_name="+")
    passed = models.BooleanField()
    criteria = models.JSONField(default=dict, blank=True)  # {"1": true, "2": false}
    comment = models.TextField(blank=True)
    made_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["made_at", "id"]
        verbose_name = _("decision")

    def __str__(self) -> str:
        return f"{self.answer.item_code} {'pass' if self.passed else 'fail'} ({self.round})"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("a decision is never changed once written; add a new one")
        super().save(*args, **kwargs)


class DisputeOutcome(models.TextChoices):
    UPHELD = "upheld", _("Decision upheld")
    CHANGED = "changed", _("Decision changed")


class Dispute(models.Model):
    """The agency's clarification of one released item: why the decision is wrong,
    pointing into the evidence it gave originally (never a new URL), and the consultant's
    answer."""

    answer = models.OneToOneField(Answer, on_delete=models.PROTECT, related_name="dispute")
    reason = models.TextField(_("why the decision should change"))
    # Which of the item's original URLs (1-based), and where on that page.
    url_position = models.PositiveSmallIntegerField(_("evidence it points to"), null=True,
                                                    blank=True)
    where = models.CharField(_("where on the page"), max_length=500, blank=True)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    written_at = models.DateTimeField(auto_now=True)
    outcome = models.CharField(max_length=16, choices=DisputeOutcome.choices, blank=True)
    reply = models.TextField(_("reply to the agency"), blank=True)
    replied_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    replied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("clarification")
        constraints = [
            models.CheckConstraint(name="a_reply_has_an_outcome",
                                   condition=Q(replied_at__isnull=True) | ~Q(outcome="")),
        ]

    def __str__(self) -> str:
        return f"clarification of {self.answer.item_code}"


class FilersList(models.Model):
    """The list of agencies that filed a clarification, as NACC published it; a corrected
    re-issue is a new row, the earlier ones stay."""

    year = models.ForeignKey("calendars.AssessmentYear", on_delete=models.PROTECT,
                             related_name="oit_filers_lists")
    published_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    # [{"code": …, "name_th": …, "name_en": …, "province_th": …, "items": ["O3", …]}]
    agencies = models.JSONField(default=list)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return f"OIT clarification filers {self.published_at:%Y-%m-%d}"


@audit.actions
class AuditAction(models.TextChoices):
    """What the audit log records of the OIT."""

    ANSWER_SAVE = "oit.save_answer", _("OIT answer saved")
    LINKS_CHECK = "oit.check_links", _("OIT links checked")
    SUBMIT = "oit.submit", _("OIT sent to the executive")
    APPROVE = "oit.approve", _("OIT approved by the executive")
    RETURN = "oit.return", _("OIT sent back by the executive")
    WITHDRAW = "oit.withdraw_approval", _("OIT approval withdrawn")
    DECIDE = "oit.decide", _("OIT item decided")
    RELEASE = "oit.release", _("Preliminary OIT results released")
    DISPUTE_SAVE = "oit.save_dispute", _("OIT clarification written")
    DISPUTE_WITHDRAW = "oit.withdraw_dispute", _("OIT clarification withdrawn")
    CLARIFICATION_SUBMIT = "oit.submit_clarification", _("OIT clarification sent to the executive")
    CLARIFICATION_APPROVE = "oit.file_clarification", _("OIT clarification filed")
    CLARIFICATION_RETURN = "oit.return_clarification", _("OIT clarification sent back")
    DISPUTE_ANSWER = "oit.answer_dispute", _("OIT clarification answered")
    CONFIRM = "oit.confirm", _("OIT confirmed")
    FILERS_PUBLISH = "oit.publish_filers", _("List of clarification filers published")
