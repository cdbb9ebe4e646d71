"""One-time IIT access codes: issuing them to an agency, within the bound on their number.

An agency could answer its own staff survey with codes enough for everyone twice over, so
the codes ever issued for an agency-year are bounded: the approved headcount, a margin
(the year's ``access_code_margin_percent``, at least ``MIN_MARGIN`` codes) for lost slips
and new staff, and what NACC allowed beyond that, with a reason (``CodeAllowance``). No
code is issued before the headcount is approved. The bound is on the total *issued*, kept
on the survey link in the transaction that makes the codes; the unspent codes are not
counted, because their number falls with each IIT response and would be a live count.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from openita.accounts.models import User
from openita.calendars.models import Enrolment
from openita.core import audit
from openita.core.errors import ActionRefused
from openita.core.permissions import require

from .models import AccessCode, AuditAction, CodeAllowance, SurveyLink
from .services import ACCESS_ALPHABET, code_hash, link_for

MIN_MARGIN = 5  # codes allowed beyond the headcount however small the agency
MAX_BATCH = 2000
MAX_ALLOWANCE = 100_000


@dataclass(frozen=True)
class CodeBound:
    """How many codes an agency-year may have issued, and how many it has."""

    headcount: int | None  # the approved headcount; None before approval
    margin: int
    allowed_extra: int
    issued: int

    @property
    def limit(self) -> int:
        return 0 if self.headcount is None else (
            self.headcount + self.margin + self.allowed_extra)

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.issued)


def approved_headcount(enrolment: Enrolment) -> int | None:
    return enrolment.headcount if (enrolment.headcount_approved_at is not None
                                   and enrolment.headcount) else None


def margin_for(enrolment: Enrolment, headcount: int | None) -> int:
    if headcount is None:
        return 0
    percent = enrolment.year.access_code_margin_percent
    return max(MIN_MARGIN, math.ceil(headcount * percent / 100))


def bound_of(enrolment: Enrolment, issued: int | None = None,
             allowed_extra: int | None = None) -> CodeBound:
    """The bound on the agency-year's codes as it stands (pass ``issued`` and
    ``allowed_extra`` when already read)."""
    headcount = approved_headcount(enrolment)
    if issued is None:
        issued = SurveyLink.objects.filter(enrolment=enrolment).values_list(
            "codes_issued", flat=True).first() or 0
    if allowed_extra is None:
        allowed_extra = CodeAllowance.objects.filter(enrolment=enrolment).aggregate(
            n=Sum("extra"))["n"] or 0
    return CodeBound(headcount, margin_for(enrolment, headcount), allowed_extra, issued)


@transaction.atomic
def issue_access_codes(enrolment: Enrolment, count: int, *, acting_user: User) -> list[str]:
    """New one-time IIT codes; only their keyed hashes are kept, so print them now.

    Refused when the headcount is not approved, or when the codes ever issued would pass
    the approved headcount plus the margin plus NACC's allowances; the link row is locked,
    so parallel batches cannot both pass the bound.
    """
    require(acting_user, "surveys.manage_links", enrolment.agency)
    if not 1 <= count <= MAX_BATCH:
        raise ActionRefused(_("Issue between 1 and 2,000 codes at a time."), field="count")
    link = SurveyLink.objects.select_for_update().get(pk=link_for(enrolment).pk)
    enrolment = Enrolment.objects.select_related("year", "agency").get(pk=enrolment.pk)
    bound = bound_of(enrolment, link.codes_issued)
    if bound.headcount is None:
        raise ActionRefused(_("Codes can be issued once the agency's headcount is approved."),
                            field="count")
    if count > bound.remaining:
        raise ActionRefused(
            _("This would pass the number of codes allowed: %(limit)d for an approved "
              "headcount of %(headcount)d, of which %(issued)d are issued. For more, ask "
              "NACC to allow them.") % {"limit": bound.limit, "headcount": bound.headcount,
                                         "issued": bound.issued}, field="count")
    codes: set[str] = set()
    while len(codes) < count:
        raw = "".join(secrets.choice(ACCESS_ALPHABET) for _ in range(8))
        if raw not in codes and not AccessCode.objects.filter(code_hash=code_hash(raw)).exists():
            codes.add(raw)
    AccessCode.objects.bulk_create(
        AccessCode(enrolment=enrolment, code_hash=code_hash(c)) for c in codes)
    link.codes_issued += count
    link.save(update_fields=["codes_issued"])
    audit.record(AuditAction.CODES_ISSUE, actor=acting_user, obj=enrolment,
                 after={"count": count, "issued": link.codes_issued, "limit": bound.limit})
    return sorted(f"{c[:4]}-{c[4:]}" for c in codes)


@transaction.atomic
def allow_more_codes(enrolment: Enrolment, extra: int, reason: str, *,
                     acting_user: User) -> CodeAllowance:
    """NACC allows an agency-year ``extra`` codes beyond its headcount and margin (asked
    for by the agency by phone or mail), with the reason; audited, and shown to the agency
    with who allowed it."""
    require(acting_user, "surveys.allow_codes")
    reason = (reason or "").strip()
    if not reason:
        raise ActionRefused(_("Give the reason."), field="reason")
    if not 1 <= extra <= MAX_ALLOWANCE:
        raise ActionRefused(_("Allow between 1 and 100,000 codes."), field="extra")
    allowance = CodeAllowance.objects.create(enrolment=enrolment, extra=extra, reason=reason,
                                             approved_by=acting_user)
    audit.record(AuditAction.CODES_ALLOW, actor=acting_user, obj=enrolment,
                 after={"extra": extra}, reason=reason)
    return allowance


def allowances_of(enrolment: Enrolment) -> list[CodeAllowance]:
    return list(CodeAllowance.objects.filter(enrolment=enrolment).select_related(
        "approved_by"))
