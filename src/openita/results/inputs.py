"""What a year's results are computed from, read in bulk: for a batch of enrolments, the
answer counts per cell of each survey instrument (the database counts, one grouped query
per instrument, and keeps them until a response changes: ``surveys.tallies``) and the OIT
decisions. The scoring engine turns them into scores; nothing
here computes one.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from openita.disclosure.models import Answer, ItemState, Submission, SubmissionState
from openita.frameworks.schema import Framework
from openita.surveys import tallies


@dataclass
class Inputs:
    """One agency's inputs: ``counts`` as ``scoring.score(counts=…)`` takes them, and the
    OIT decisions (None when they are not all made yet)."""

    enrolment_id: int
    counts: dict[str, dict[str, Any]] = field(default_factory=dict)
    oit: dict[str, bool] | None = None
    oit_note: str = ""

    def digest(self, framework: Framework, checksum: str) -> str:
        """The same inputs give the same digest, whatever order they were read in."""
        canonical = json.dumps({"framework": framework.id, "checksum": checksum,
                                "counts": self.counts, "oit": self.oit},
                               sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()


def oit_decisions(ids: list[int], codes: list[str], *, final: bool
                  ) -> dict[int, tuple[dict[str, bool] | None, str]]:
    """Per enrolment, the pass or fail of every OIT item, with a note when it is not the
    consultants' own decision. Final: only a confirmed OIT counts, and an agency whose OIT
    was never approved fails every item. Provisional: the decisions made so far, None
    until each item has one."""
    submissions: dict[int, tuple[int | None, str, bool]] = {
        enrolment_id: (pk, state, confirmed_at is not None)
        for enrolment_id, pk, state, confirmed_at in Submission.objects.filter(
            enrolment_id__in=ids).values_list("enrolment_id", "pk", "state", "confirmed_at")}
    decided: dict[int, dict[str, bool]] = defaultdict(dict)
    for decided_in, code, passed in Answer.objects.filter(
            submission_id__in=[pk for pk, _s, _c in submissions.values()],
            passed__isnull=False).exclude(state=ItemState.DRAFT).values_list(
            "submission_id", "item_code", "passed"):
        decided[decided_in][code] = bool(passed)
    result: dict[int, tuple[dict[str, bool] | None, str]] = {}
    for enrolment_id in ids:
        submission_id, state, is_confirmed = submissions.get(enrolment_id, (None, "", False))
        if state != SubmissionState.APPROVED:
            result[enrolment_id] = ({code: False for code in codes} if final else None,
                                    "oit_not_approved")
            continue
        if final and not is_confirmed:
            result[enrolment_id] = (None, "oit_not_confirmed")
            continue
        items = decided[submission_id] if submission_id is not None else {}
        complete = all(code in items for code in codes)
        result[enrolment_id] = ({code: items[code] for code in codes} if complete else None,
                                "" if complete else "oit_not_decided")
    return result


def inputs_of(ids: list[int], framework: Framework, *, final: bool) -> list[Inputs]:
    """The inputs of these enrolments: per survey instrument the kept counts, and two
    grouped queries for the enrolments whose responses changed since (whatever the number
    of responses); two queries for the OIT."""
    surveys = [i.code for i in framework.instruments if i.kind == "survey"]
    counted = {instrument: tallies.counted(instrument, ids) for instrument in surveys}
    codes = [item.code for item in framework.oit_items]
    decisions = oit_decisions(ids, codes, final=final)
    found = []
    for enrolment_id in ids:
        oit, note = decisions[enrolment_id]
        found.append(Inputs(
            enrolment_id=enrolment_id,
            counts={i: counted[i][enrolment_id] for i in surveys if enrolment_id in counted[i]},
            oit=oit, oit_note=note))
    return found
