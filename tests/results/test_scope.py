"""Published results across a person's scope: oversight sees its own agencies only, with
the change from the previous published year and the biggest drops and rises."""

from __future__ import annotations

from django.test import TestCase
from django.urls import reverse

from openita.results import dashboard
from openita.results.past import import_past_results
from tests.results.test_past_import import INDICATORS, csv_file, row


def import_year_before(world) -> None:
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert import_past_results("past.csv", csv_file(
            row(world.agency_a.code, year=world.year.fiscal_year - 1,
                indicators={k: "99.00" for k in INDICATORS}, total="99.00"),
            row(world.agency_b.code, year=world.year.fiscal_year - 1)),
            acting_user=world.nacc).ok


def test_oversight_sees_its_agencies_and_how_they_moved(published, client_for):
    import_year_before(published)
    groups, drops, rises = dashboard.rows(published.officer_p, published.year, "province")
    assert [(g.label, g.agencies) for g in groups] == [(published.province_p.name_th, 1)]
    total = published.result.total
    assert [(m.code, m.previous, m.total) for m in drops] == [
        (published.agency_a.code, 99, total)]
    assert groups[0].change == (total - 99).quantize(groups[0].change)
    assert rises == []
    page = client_for(published.officer_p).get(
        reverse("results:scope", args=[published.year.fiscal_year]), {"by": "kind"})
    body = page.content.decode()
    assert page.status_code == 200 and published.agency_a.code in body
    assert published.agency_b.code not in body  # another province: not in the scope


def test_an_unpublished_year_and_an_agency_s_own_people_are_refused(confirmed, client_for):
    nacc = client_for(confirmed.nacc)
    # The open year before publication shows its collection (test_scope_collection.py);
    # any other year without published results is not found.
    open_year = nacc.get(reverse("results:scope", args=[confirmed.year.fiscal_year]))
    assert open_year.status_code == 200 and "collection" in open_year.context
    assert nacc.get(reverse("results:scope", args=[confirmed.year.fiscal_year - 1])
                    ).status_code == 404
    assert nacc.get(reverse("results:scope_index")).status_code == 200
    assert client_for(confirmed.admin_a).get(reverse("results:scope_index")).status_code == 403
