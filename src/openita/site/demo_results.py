"""The demo country's results: a year published before openita, brought in through the
importer NACC uses; last year assessed and published by openita (survey responses and a
confirmed OIT for every agency, computed by the same run NACC starts); provisional results
of the open year.

The made-up scores follow each agency's own level, so the portal shows a spread of
ratings, provinces that differ, and agencies that rise or fall from one year to the next.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from openita.accounts.models import User
from openita.calendars.models import AssessmentYear, Enrolment, EnrolmentState
from openita.disclosure.models import Answer, ItemState, Submission, SubmissionState
from openita.frameworks import loader
from openita.frameworks import services as frameworks
from openita.frameworks.schema import Framework
from openita.results import awards, computation, news, publication
from openita.results.models import AwardRule, ResultKind
from openita.results.past import COLUMNS, import_past_results
from openita.scoring import as_json, score
from openita.surveys.models import Response

PAST_FRAMEWORK = "ita-2568"
IIT_RESPONSES = (8, 20)
EIT_RESPONSES = (6, 14)


@dataclass(frozen=True)
class DemoResults:
    past_year: int
    past_rows: int
    computed_year: int
    computed: int
    provisional_year: int
    provisional: int

    def lines(self) -> list[str]:
        return [
            f"{self.past_year}: imported as published before openita ({self.past_rows} "
            "agencies, through the importer at /results/import/)",
            f"{self.computed_year}: computed by openita from survey responses and confirmed "
            f"OITs, and published ({self.computed} agencies): the public portal at /ita/",
            f"{self.provisional_year}: open; provisional results for NACC at /results/ "
            f"({self.provisional} agencies so far)",
        ]


def build(year: AssessmentYear, last: AssessmentYear, nacc: User, seed: int) -> DemoResults:
    rng = random.Random(seed)
    levels = _levels(rng, last)
    past_rows = _import_past(last.fiscal_year - 1, levels, nacc, rng)
    _last_year_inputs(last, levels, rng)
    done = computation.run_now(last, ResultKind.FINAL, acting_user=nacc)
    publication.publish(last, acting_user=nacc)
    provisional = computation.run_now(year, ResultKind.PROVISIONAL, acting_user=nacc)
    _awards_and_news(last, nacc)
    return DemoResults(last.fiscal_year - 1, past_rows, last.fiscal_year,
                       done.changed + done.unchanged, year.fiscal_year,
                       provisional.changed + provisional.unchanged)


def _awards_and_news(year: AssessmentYear, nacc: User) -> None:
    """An award category of the published year, and a news post on the public home page
    with the award list attached (the PDF openita prints)."""
    awards.define(year, name_th="หน่วยงานที่ได้คะแนนสูงสุด 3 อันดับแรกของแต่ละประเภท",
                  name_en="The top three of each agency type", rule=AwardRule.TOP_PER_KIND,
                  top=3, min_total=None, kinds=[], acting_user=nacc)
    document = SimpleUploadedFile(f"ita-awards-{year.fiscal_year}.pdf",
                                  awards.render_pdf(year), content_type="application/pdf")
    post = news.save(None, {
        "title_th": f"ประกาศผลการประเมิน ITA ประจำปีงบประมาณ พ.ศ. {year.fiscal_year}",
        "title_en": f"ITA results of FY{year.fiscal_year} published",
        "body_th": "ผลการประเมินของทุกหน่วยงานดูได้ที่หน้านี้ ค้นหาหน่วยงานด้วยชื่อ หรือเลือกดูตาม"
                   "จังหวัดและประเภทหน่วยงาน รายชื่อหน่วยงานที่ได้รับรางวัลอยู่ในเอกสารแนบ",
        "body_en": "Every agency's result is on this site: search by name or browse by province "
                   "and agency type. The award list is attached."},
        [document], acting_user=nacc)
    news.publish(post, acting_user=nacc)


def _levels(rng: random.Random, year: AssessmentYear) -> dict[int, float]:
    """Per agency, how good it is (the chance of the best answer, of passing an item)."""
    return {agency_id: min(0.99, max(0.35, rng.gauss(0.8, 0.12)))
            for agency_id in Enrolment.objects.filter(year=year).values_list(
                "agency_id", flat=True)}


def _import_past(fiscal_year: int, levels: dict[int, float], nacc: User,
                 rng: random.Random) -> int:
    """The year before last, as NACC published it, through the importer."""
    framework = loader.get(PAST_FRAMEWORK)
    codes = dict(Enrolment.objects.filter(agency_id__in=levels).values_list(
        "agency_id", "agency__code"))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for agency_id, level in levels.items():
        base = 100 * (level - 0.04 + rng.uniform(-0.06, 0.06))
        indicators = {i.number: Decimal(f"{min(100, max(0, base + rng.uniform(-12, 8))):.2f}")
                      for i in framework.indicators}
        published = as_json(score(framework, indicators=indicators))
        writer.writerow([codes[agency_id], fiscal_year, PAST_FRAMEWORK, "", "", "",
                         *[indicators[str(n)] for n in range(1, 11)], published["total"],
                         published["rating"]])
    result = import_past_results("demo-past-results.csv", buffer.getvalue().encode(),
                                 acting_user=nacc)
    if not result.ok:  # the demo's own file: a problem here is a bug in the demo
        raise ValueError(f"demo past results refused: {result.problems[:3]}")
    return result.created + result.replaced


def _responses(framework: Framework, instrument: str, enrolment_id: int, level: float,
               count: int, day: dt.date, rng: random.Random) -> list[Response]:
    """``count`` responses: each cell gets its best answer with the agency's chance, else
    any answer of its scale."""
    numbers = {i.number for i in framework.indicators_of(instrument)}
    cells = []
    for question in framework.questions:
        if question.indicator not in numbers:
            continue
        levels = framework.scale(question.scale).levels
        for key, polarity in question.cells:
            pick = max if polarity == "+" else min
            best = pick(levels, key=lambda lv: lv.score).answer
            cells.append((key, best, [lv.answer for lv in levels]))
    return [Response(enrolment_id=enrolment_id, instrument=instrument, submitted_on=day,
                     receipt=uuid.uuid4().hex, answers={
                         key: best if rng.random() < level else rng.choice(options)
                         for key, best, options in cells})
            for _ in range(count)]


def _last_year_inputs(year: AssessmentYear, levels: dict[int, float],
                      rng: random.Random) -> None:
    """Survey responses and a confirmed OIT for every enrolled agency of last year."""
    assert year.framework is not None
    framework = frameworks.framework_of(year.framework)
    now = timezone.now()
    day = timezone.localdate() - dt.timedelta(days=200)
    enrolments = list(Enrolment.objects.filter(year=year).exclude(
        state=EnrolmentState.NOT_REGISTERED).values_list("pk", "agency_id"))
    responses: list[Response] = []
    submissions = []
    for enrolment_id, agency_id in enrolments:
        level = levels.get(agency_id, 0.8)
        responses += _responses(framework, "IIT", enrolment_id, level,
                                rng.randint(*IIT_RESPONSES), day, rng)
        responses += _responses(framework, "EIT", enrolment_id, level,
                                rng.randint(*EIT_RESPONSES), day, rng)
        submissions.append(Submission(enrolment_id=enrolment_id, state=SubmissionState.APPROVED,
                                      approved_at=now, approval_round=1, confirmed_at=now))
    Response.objects.bulk_create(responses, batch_size=5000)
    Submission.objects.bulk_create(submissions, batch_size=2000)
    level_of = dict(enrolments)
    answers = [Answer(submission=s, item_code=item.code, publishes=True, state=ItemState.FINAL,
                      urls=[f"https://example.invalid/{item.code.lower()}"],
                      passed=rng.random() < levels.get(level_of[s.enrolment_id], 0.8) + 0.1)
               for s in submissions for item in framework.oit_items]
    Answer.objects.bulk_create(answers, batch_size=5000)
