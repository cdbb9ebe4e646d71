"""Survey links, duplicate control and anonymous responses.

Anonymity by construction: a ``Response`` row holds the agency-year, the instrument, the
channel, the EIT respondent type, the answers, quality flags, the submission *date* and a
receipt (the hash of a random key that only the respondent's browser held) — nothing that
names a person, an account, a phone, a code, an address or a session. What prevents
duplicates lives in other tables that carry no timestamp and no reference to a response:
access codes as hashes, phones as keyed hashes (HMAC) per agency-year.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from openita.core import audit


class Instrument(models.TextChoices):
    IIT = "IIT", _("IIT (staff)")
    EIT = "EIT", _("EIT (service users)")


class Channel(models.TextChoices):
    SELF = "self", _("Answered by the respondent")
    CONSULTANT = "consultant", _("Telephone interview by a consultant")


class RespondentType(models.TextChoices):
    PERSON = "person", _("A member of the public")
    BUSINESS = "business", _("A business or organisation")
    AGENCY = "agency", _("Another state agency")


class SurveyLink(models.Model):
    """The short public code of an agency's surveys in one year (/go/iit/<code>)."""

    enrolment = models.OneToOneField("calendars.Enrolment", on_delete=models.PROTECT,
                                     related_name="survey_link")
    code = models.CharField(max_length=12, unique=True)
    # Every one-time IIT code ever issued for the agency-year, kept with the codes in one
    # transaction: the bound on codes is on this total, never on the unspent ones (whose
    # number falls by one with each IIT response, a live count).
    codes_issued = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.code


class CodeAllowance(models.Model):
    """NACC allows an agency-year more IIT access codes than its headcount and margin."""

    enrolment = models.ForeignKey("calendars.Enrolment", on_delete=models.PROTECT,
                                  related_name="code_allowances")
    extra = models.PositiveIntegerField(_("extra codes"))
    reason = models.TextField(_("reason"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    approved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["approved_at", "pk"]

    def __str__(self) -> str:
        return f"+{self.extra} codes"


class ProvisionalRelease(models.Model):
    """The collection figures of one instrument as people outside NACC see them.

    One row per agency-year and instrument, replaced as a whole at each release (see
    ``release.py``): ``number`` counts the releases and guards the replacement, so two
    readers cannot both release. ``arrived`` counts every stored response, excluded ones
    too, so the batch rule measures arrivals, not exclusions.
    """

    enrolment = models.ForeignKey("calendars.Enrolment", on_delete=models.CASCADE,
                                  related_name="+")
    instrument = models.CharField(max_length=3, choices=Instrument.choices)
    number = models.PositiveIntegerField(default=1)
    arrived = models.PositiveIntegerField()
    count = models.PositiveIntegerField()
    # [["2025-05-01", 4], ...]: responses counted per day, oldest first
    per_day = models.JSONField(default=list)
    score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    codes_issued = models.PositiveIntegerField(null=True, blank=True)  # IIT only
    codes_spent = models.PositiveIntegerField(null=True, blank=True)  # IIT only
    released_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["enrolment", "instrument"],
                                               name="one_release_per_instrument")]

    def __str__(self) -> str:
        return f"{self.instrument} release {self.number}"


class AccessCode(models.Model):
    """An unused one-time IIT code, kept only as a keyed hash; using it deletes the row."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    enrolment = models.ForeignKey("calendars.Enrolment", on_delete=models.PROTECT,
                                  related_name="access_codes")
    code_hash = models.CharField(max_length=64, unique=True)

    def __str__(self) -> str:
        return f"access code {self.code_hash[:8]}…"


class PhoneClaim(models.Model):
    """One EIT response per phone per agency-year: the phone as an HMAC, nothing else."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    enrolment = models.ForeignKey("calendars.Enrolment", on_delete=models.PROTECT,
                                  related_name="+")
    phone_hmac = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["enrolment", "phone_hmac"],
                                               name="one_claim_per_phone_and_agency_year")]

    def __str__(self) -> str:
        return f"phone claim {self.phone_hmac[:8]}…"


# What each stored flag means, for the people who read them.
FLAG_LABELS = {
    "too_fast": _("answered faster than the questions can be read"),
    "straight_line": _("the same answer to every question"),
    "same_answers_same_network": _("identical answers from the same network"),
    "burst": _("far more responses than usual within ten minutes"),
    "network_unchecked": _("the network signals could not be checked"),
}


def flag_labels(flags: list[str]) -> list[str]:
    return [str(FLAG_LABELS.get(flag, flag)) for flag in flags]


class Response(models.Model):
    # A random key: rows cannot be ordered by their identifiers.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    enrolment = models.ForeignKey("calendars.Enrolment", on_delete=models.PROTECT,
                                  related_name="responses")
    instrument = models.CharField(max_length=3, choices=Instrument.choices)
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.SELF)
    respondent_type = models.CharField(max_length=16, choices=RespondentType.choices,
                                       blank=True)
    answers = models.JSONField()
    flags = models.JSONField(default=list, blank=True)
    submitted_on = models.DateField()
    receipt = models.CharField(max_length=64, unique=True)
    excluded = models.BooleanField(default=False)
    excluded_reason = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["enrolment", "instrument", "submitted_on"])]

    def __str__(self) -> str:
        return f"{self.instrument} response"

    @property
    def flag_labels(self) -> list[str]:
        """The quality flags in words, for consultants and NACC."""
        return flag_labels(self.flags)


class CollectionReminder(models.Model):
    """An e-mail that told an agency its surveys will miss a minimum at the current pace."""

    enrolment = models.ForeignKey("calendars.Enrolment", on_delete=models.CASCADE,
                                  related_name="collection_reminders")
    sent_on = models.DateField()
    instruments = models.CharField(max_length=16)  # "IIT", "EIT" or "IIT,EIT"
    recipients = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["enrolment", "sent_on"],
                                               name="one_reminder_per_agency_per_day")]
        ordering = ["-sent_on"]

    def __str__(self) -> str:
        return f"reminder {self.sent_on}"


@audit.actions
class AuditAction(models.TextChoices):
    """What the audit log records of survey collection (never an answer or a respondent)."""

    CODES_ISSUE = "surveys.issue_codes", _("IIT access codes issued")
    CODES_ALLOW = "surveys.allow_codes", _("More IIT access codes allowed")
    RESPONSE_EXCLUDE = "response.exclude", _("Response excluded")
    RESPONSE_INCLUDE = "response.include", _("Response counted again")
    INTERVIEW = "surveys.interview", _("EIT telephone interview entered")
    REMIND = "surveys.remind", _("Collection reminder sent")
    REMIND_FAILED = "surveys.remind_failed", _("Collection reminder could not be sent")


class ResponseVersion(models.Model):
    """A number that a database trigger (migration 0005) gives a new value whenever a
    response of the enrolment in the instrument is added, changed or removed, by any code
    path. It carries no time, so it tells nothing of when anyone answered."""

    enrolment = models.ForeignKey("calendars.Enrolment", on_delete=models.CASCADE,
                                  related_name="+")
    instrument = models.CharField(max_length=3, choices=Instrument.choices)
    version = models.BigIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["enrolment", "instrument"],
                                               name="one_response_version")]

    def __str__(self) -> str:
        return f"{self.instrument} responses, version {self.version}"


class CellTally(models.Model):
    """The counted responses of an enrolment in one instrument, counted per cell and
    answer (``{"n": …, "cells": {cell: {answer: count}}}``): what the results are computed
    from. Kept under the response version it counted and used only while that version is
    still the current one (``tallies.py``)."""

    enrolment = models.ForeignKey("calendars.Enrolment", on_delete=models.CASCADE,
                                  related_name="+")
    instrument = models.CharField(max_length=3, choices=Instrument.choices)
    version = models.BigIntegerField()
    n = models.PositiveIntegerField()
    cells = models.JSONField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["enrolment", "instrument"],
                                               name="one_cell_tally")]

    def __str__(self) -> str:
        return f"{self.instrument} counts of {self.n} responses"
