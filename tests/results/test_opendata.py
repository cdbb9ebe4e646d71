"""The open data of a published year: anyone can recompute every published score from the
files with ``openita score`` and gets the same numbers; the answer files tell nothing of
when or by whom, and leave out agencies with too few responses."""

from __future__ import annotations

import csv
import io
import json

from django.urls import reverse

from openita.calendars.models import Enrolment, EnrolmentState
from openita.results import opendata
from openita.scoring.cli import main as openita_score
from tests.results.conftest import respond
from tests.scoring.conftest import MINI


def download(client, world, name: str) -> list[dict[str, str]]:
    response = client.get(reverse("portal:opendata_file",
                                  args=[world.year.fiscal_year, name]))
    assert response.status_code == 200, name
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_every_published_score_is_recomputed_from_the_files(published, client,
                                                            capsys, monkeypatch, tmp_path):
    results = download(client, published, "results")
    oit = {r.pop("agency_code"): r for r in download(client, published, "oit")}
    answers: dict[str, dict[str, list]] = {}
    for instrument in ("iit", "eit"):
        for r in download(client, published, f"responses-{instrument}"):
            code = r.pop("agency_code")
            answers.setdefault(code, {}).setdefault(instrument.upper(), []).append(
                {k: int(v) if v.isdigit() else v for k, v in r.items()})
    recomputed = 0
    for row in results:
        code = row["agency_code"]
        if set(answers.get(code, {})) != {"IIT", "EIT"}:
            continue
        source = tmp_path / f"{code}.json"
        source.write_text(json.dumps({"responses": answers[code], "oit": {
            k: v == "1" for k, v in oit[code].items()}}))
        # The tests' framework is a file of their own; a real year names a shipped one.
        framework = str(MINI) if row["framework"] == "mini" else row["framework"]
        assert openita_score(["--framework", framework, str(source)]) == 0
        out = json.loads(capsys.readouterr().out)
        assert (out["total"], out["rating"]) == (row["total"], row["rating"])
        recomputed += 1
    assert recomputed == 1  # agency A: 17 IIT and 10 EIT answers
    page = client.get(reverse("portal:opendata", args=[published.year.fiscal_year]))
    assert row["total"] in page.content.decode()  # the worked example's expected total


def test_the_answer_files_say_nothing_of_when_and_leave_out_small_agencies(
        published, client):
    enrolment_b = Enrolment.objects.create(agency=published.agency_b, year=published.year,
                                           state=EnrolmentState.REGISTERED)
    for _ in range(3):
        respond(enrolment_b, "EIT", {"e1": 4})
    rows = download(client, published, "responses-eit")
    assert set(rows[0]) == {"agency_code", "e1"}  # no date, channel or respondent type
    assert {r["agency_code"] for r in rows} == {published.agency_a.code}
    assert len(rows) == 10  # the excluded response is not there either


def test_no_file_exists_for_a_year_not_published(confirmed, client):
    for name in ("results", "oit", "responses-iit", "responses-eit"):
        assert client.get(reverse("portal:opendata_file", args=[
            confirmed.year.fiscal_year, name])).status_code == 404
    assert opendata.MIN_RESPONSES == 10
