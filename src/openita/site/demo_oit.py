"""The demo country's OIT: agencies of the demo consultant's team in every state of the
OIT, built through the same services people use (so every row is audited as it would be).

The demo calendar keeps every OIT window open at once (entry, review, clarification,
confirmation; the preliminary release has begun), so each step can be tried on some
agency now. The agencies' websites are under ``.invalid``, a name that never resolves: the
demo fetches nothing from outside, and a link check shows those pages as not opening.
"""

from __future__ import annotations

from dataclasses import dataclass

from openita.accounts.models import Role, RoleGrant, User
from openita.agencies.models import Agency
from openita.calendars.models import AssessmentYear, Enrolment, EnrolmentState
from openita.disclosure import clarification, confirmation, review, services
from openita.disclosure.models import Answer, SecondReview, Submission

# The states the demo shows, in the order their agencies are printed.
STATES = [
    ("draft", "being prepared (half the items answered)"),
    ("awaiting_approval", "with its executive for approval"),
    ("approved", "approved, waiting for review"),
    ("approved", "approved, waiting for review"),
    ("reviewing", "partly reviewed"),
    ("second_review", "a second review that disagrees, for the team lead"),
    ("released", "decisions released, one item failed (the agency may dispute it)"),
    ("clarification_draft", "a clarification being written"),
    ("clarification_awaiting", "a clarification with its executive"),
    ("disputed", "a filed clarification for the consultant to answer"),
    ("answered", "every clarification answered: ready for the lead to confirm"),
    ("confirmed", "confirmed, final OIT computed"),
]


@dataclass(frozen=True)
class Cast:
    """Who acts in the demo: the agencies' own people, the consultant and the lead."""

    consultant: User
    lead: User

    def admin(self, agency: Agency) -> User:
        return _person(agency, Role.AGENCY_ADMIN)

    def executive(self, agency: Agency) -> User:
        return _person(agency, Role.AGENCY_EXECUTIVE)


def _person(agency: Agency, role: str) -> User:
    grant = RoleGrant.objects.filter(agency=agency, role=role, revoked_at__isnull=True,
                                     user__email__contains=f".{agency.code.lower()}@")
    found = grant.select_related("user").first() or RoleGrant.objects.filter(
        agency=agency, role=role).select_related("user").first()
    if found is None:
        raise ValueError(f"the demo agency {agency.code} has no {role}")
    return found.user


def build(year: AssessmentYear, demo_agency: Agency, cast: Cast) -> list[str]:
    """Put agencies of the demo agency's group into each state; lines to print."""
    candidates = list(Agency.objects.filter(group=demo_agency.group, active=True).exclude(
        pk=demo_agency.pk).order_by("code")[:len(STATES) - 1])
    agencies = [demo_agency, *candidates]
    lines = []
    for agency, (state, label) in zip(agencies, STATES, strict=False):
        enrolment, _created = Enrolment.objects.get_or_create(agency=agency, year=year)
        if enrolment.state == EnrolmentState.NOT_REGISTERED:
            enrolment.state = EnrolmentState.REGISTERED
            enrolment.save(update_fields=["state"])
        _advance(services.submission_for(enrolment), state, cast)
        who = "" if agency is demo_agency else f" (admin {cast.admin(agency).email})"
        lines.append(f"{agency.code} {agency.name_th}: {label}{who}")
    return lines


def _url(agency: Agency, code: str) -> str:
    return f"{agency.website.rstrip('/')}/ita/{code.lower()}"


def _fill(submission: Submission, cast: Cast, share: float = 1.0) -> None:
    agency = submission.enrolment.agency
    answers = sorted(submission.answers.all(), key=lambda a: services.natural_key(a.item_code))
    for answer in answers[:round(len(answers) * share)]:
        services.save_answer(
            answer, publishes=True, urls=[_url(agency, answer.item_code)],
            explanation=f"เมนู “ITA” หัวข้อ {answer.item_code} บนหน้าแรกของเว็บไซต์",
            acting_user=cast.admin(agency))


def _decide(submission: Submission, cast: Cast, *, failing: tuple[str, ...] = ("O3",),
            share: float = 1.0) -> None:
    framework = services.framework_of(submission.enrolment)
    items = services.item_map(framework)
    answers = sorted(submission.answers.filter(state="awaiting_review"),
                     key=lambda a: services.natural_key(a.item_code))
    for answer in answers[:round(len(answers) * share)]:
        passed = answer.item_code not in failing
        criteria = {c.code: passed for c in items[answer.item_code].criteria}
        review.decide(answer, passed=passed, criteria=criteria,
                      comment="" if passed else "ไม่พบข้อมูลของปีงบประมาณที่ประเมินในหน้าที่ระบุ",
                      acting_user=cast.consultant)
    if share < 1:
        return  # a partly reviewed OIT keeps its drawn items waiting for the second look
    for answer in submission.answers.filter(second_review=SecondReview.PENDING):
        passed = bool(answer.passed)  # the lead, as the second consultant, agrees
        review.decide(answer, passed=passed,
                      criteria={c.code: passed for c in items[answer.item_code].criteria},
                      comment="" if passed else "เห็นด้วยกับผลการพิจารณาแรก",
                      acting_user=cast.lead)


def _advance(submission: Submission, state: str, cast: Cast) -> None:
    agency = submission.enrolment.agency
    steps = ["draft", "awaiting_approval", "approved", "reviewing", "second_review",
             "released", "clarification_draft", "clarification_awaiting", "disputed",
             "answered", "confirmed"]
    upto = steps.index(state)
    if upto == 0:
        _fill(submission, cast, share=0.5)
        return
    _fill(submission, cast)
    services.submit(submission, acting_user=cast.admin(agency))
    if upto == 1:
        return
    services.approve(submission, acting_user=cast.executive(agency))
    if upto == 2:
        return
    if state == "second_review":
        _disagreement(submission, cast)
        return
    _decide(submission, cast, share=0.5 if state == "reviewing" else 1.0)
    if upto <= 5:
        return
    _clarify(submission, cast, upto - steps.index("clarification_draft"))


def _disagreement(submission: Submission, cast: Cast) -> None:
    """Every item drawn for a second review; one the lead must settle."""
    year = submission.enrolment.year
    years = AssessmentYear.objects.filter(pk=year.pk)
    percent = year.oit_second_review_percent
    years.update(oit_second_review_percent=100)
    try:
        answer = submission.answers.get(item_code="O2")
        item = services.item_map(services.framework_of(submission.enrolment))["O2"]
        review.decide(answer, passed=True, criteria={c.code: True for c in item.criteria},
                      comment="", acting_user=cast.consultant)
        review.decide(answer, passed=False, criteria={c.code: False for c in item.criteria},
                      comment="ไม่มีช่องทางติดต่อผู้บริหารแต่ละคน", acting_user=cast.lead)
    finally:
        years.update(oit_second_review_percent=percent)


def _clarify(submission: Submission, cast: Cast, stage: int) -> None:
    """0: a dispute written; 1: sent to the executive; 2: filed; 3: answered; 4: confirmed."""
    agency = submission.enrolment.agency
    answer = submission.answers.get(item_code="O3")
    clarification.save_dispute(
        answer, reason="ข้อมูลของปีงบประมาณที่ประเมินอยู่ในตารางที่สองของหน้าเดียวกัน",
        url_position=1, where="ตารางที่ 2 ใต้หัวข้อ “ผลการดำเนินงาน”",
        acting_user=cast.admin(agency))
    if stage < 1:
        return
    clarification.submit_clarification(submission, acting_user=cast.admin(agency))
    if stage < 2:
        return
    clarification.file_clarification(submission, acting_user=cast.executive(agency))
    if stage < 3:
        return
    answer = Answer.objects.get(pk=answer.pk)
    item = services.item_map(services.framework_of(submission.enrolment))["O3"]
    clarification.answer_dispute(
        answer, outcome="changed", reply="พบข้อมูลตามที่ชี้แจง จึงเปลี่ยนผลเป็นผ่าน",
        criteria={c.code: True for c in item.criteria}, acting_user=cast.consultant)
    if stage < 4:
        return
    confirmation.confirm(submission, acting_user=cast.lead)
