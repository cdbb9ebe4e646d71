"""The public portal shows published results only: nothing of a year before NACC
publishes it (on every public route), all of it after; searching understands the type
prefixes people type."""

from __future__ import annotations

from django.test import TestCase
from django.urls import reverse

from openita.results import publication
from openita.results.models import ResultKind
from tests.results.conftest import computed
from tests.results.test_past_import import csv_file, row


def public_urls(world) -> list[str]:
    fy = world.year.fiscal_year
    return [reverse("portal:home"), reverse("portal:year", args=[fy]),
            reverse("portal:province", args=[fy, world.province_p.code]),
            reverse("portal:kind", args=[fy, "sao"]),
            reverse("portal:region", args=[fy, world.province_p.region]),
            reverse("portal:ministry", args=[fy, world.ministry.code]),
            reverse("portal:agency", args=[world.agency_a.code]),
            reverse("portal:search") + "?q=หนองบัว"]


def download_urls(world) -> list[str]:
    """Every table of the public pages, in both formats."""
    fy, a = world.year.fiscal_year, world.agency_a.code
    found = []
    for fmt in ("csv", "xlsx"):
        found += [reverse("portal:year_table", args=[fy, table, fmt])
                  for table in ("ratings", "averages", "provinces", "regions",
                                "ministries", "types")]
        found += [reverse("portal:province_table", args=[fy, world.province_p.code, fmt]),
                  reverse("portal:kind_table", args=[fy, "sao", fmt]),
                  reverse("portal:region_table", args=[fy, world.province_p.region, fmt]),
                  reverse("portal:ministry_table", args=[fy, world.ministry.code, fmt])]
        found += [reverse("portal:agency_table", args=[a, table, fmt])
                  for table in ("instruments", "indicators", "history")]
    return found


def test_nothing_of_a_year_is_public_before_it_is_published(confirmed, client):  # noqa: F811
    final = computed(confirmed)
    computed(confirmed, ResultKind.PROVISIONAL)
    for url in public_urls(confirmed):
        response = client.get(url, follow=True)
        assert response.status_code in (200, 404), url
        assert str(final.total) not in response.content.decode(), url
    assert client.get(reverse("portal:year", args=[confirmed.year.fiscal_year])
                      ).status_code == 404
    for url in download_urls(confirmed):  # not a table of the year before it is public
        assert client.get(url).status_code == 404, url

    with TestCase.captureOnCommitCallbacks(execute=True):
        publication.publish(confirmed.year, acting_user=confirmed.nacc)
    for url in public_urls(confirmed):
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        assert str(final.total) in response.content.decode(), url
    totals = ("provinces.", "regions.", "ministries.", "types.",
              f"/{confirmed.province_p.code}.", f"/{confirmed.province_p.region}.",
              f"/{confirmed.ministry.code}.", "/sao.", "/history.")
    for url in download_urls(confirmed):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Disposition"].startswith("attachment;"), url
        if url.endswith(".csv") and any(part in url for part in totals):
            assert str(final.total) in response.content.decode("utf-8"), url


def test_anyone_arriving_at_openita_sees_the_results_not_a_sign_in_page(world, client):
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("portal:home")
    assert "ยังไม่มีการประกาศผล" in response.content.decode()


def test_an_import_of_past_years_shows_at_once_on_cached_pages(world, client):
    home = client.get(reverse("portal:home"))
    assert "ยังไม่มีการประกาศผล" in home.content.decode()
    with TestCase.captureOnCommitCallbacks(execute=True):
        from openita.results.past import import_past_results

        assert import_past_results("past.csv", csv_file(row(world.agency_a.code)),
                                   acting_user=world.nacc).ok
    page = client.get(reverse("portal:home")).content.decode()
    assert "2567" in page and "หนองบัว" not in page  # the year, by province and type
    agency = client.get(reverse("portal:agency", args=[world.agency_a.code])).content.decode()
    assert "2567" in agency


def test_search_understands_the_type_prefix_with_or_without_a_space(world, client):
    for text in ("อบต.หนองบัว", "อบต. หนองบัว", "อบตหนองบัว", "หนองบัว", "Nong Bua",
                 "องค์การบริหารส่วนตำบลหนองบัว"):
        response = client.get(reverse("portal:search"), {"q": text})
        assert response.status_code == 302, text  # one match: straight to its page
        assert response["Location"] == reverse("portal:agency", args=[world.agency_a.code])
    none = client.get(reverse("portal:search"), {"q": "ทต.หนองบัว"})
    assert none.status_code == 200 and "ไม่พบ" in none.content.decode()
    both = client.get(reverse("portal:search"), {"q": "อบต."})
    assert both.status_code == 200 and "ป่าตอง" in both.content.decode()


def test_search_text_that_cannot_be_a_name_is_an_error_not_a_failed_query(world, client):
    # PostgreSQL refuses a NUL byte in a query; the page says what is wrong instead.
    for text in ("หนอง\x00บัว", "\x1b[31m", "ก" * 101):
        response = client.get(reverse("portal:search"), {"q": text})
        assert response.status_code == 200, repr(text)
        page = response.content.decode()
        assert 'role="alert"' in page and "ป่าตอง" not in page


def test_the_agency_page_draws_its_indicators_and_years_with_text_alternatives(
        published, client):
    from tests.results.test_scope import import_year_before

    import_year_before(published)  # a second published year: the history is drawn too
    response = client.get(reverse("portal:agency", args=[published.agency_a.code]))
    charts = response.context["charts"]
    assert set(charts) == {"indicators", "history"}
    page = response.content.decode()
    for chart in charts.values():
        assert f'src="{chart.data_uri}"' in page
        assert published.agency_a.name_th in chart.alt and "<script" not in chart.svg
    assert [s.name for s in charts["indicators"].series] == [
        "หน่วยงานนี้", "ค่าเฉลี่ยของหน่วยงานประเภทเดียวกัน", "ปีก่อนหน้า"]
    assert charts["history"].labels == [str(published.year.fiscal_year - 1),
                                        str(published.year.fiscal_year)]


def test_a_kept_page_keeps_nothing_of_the_visitor_who_drew_it(published, client_for):
    from django.core.cache import cache
    from django.test import Client

    client = Client()  # not signed in
    cache.clear()
    fy, code = published.year.fiscal_year, published.agency_a.code
    nacc = client_for(published.nacc)
    for url in (reverse("portal:year", args=[fy]), reverse("portal:agency", args=[code]),
                reverse("portal:province", args=[fy, published.province_p.code])):
        drawn = nacc.get(url).content.decode()  # the first visitor, signed in, draws it
        assert published.nacc.full_name in drawn
        kept = client.get(url).content.decode()  # the next, anonymous, reads it kept
        assert published.nacc.full_name not in kept and str(published.result.total) in kept


def test_a_process_keeps_pages_in_memory_until_a_publication_in_it_or_a_second_after(
        published, settings, monkeypatch):
    from django.core.cache import cache, caches
    from django.test import Client

    from openita.results import news, portal

    settings.OPENITA_PORTAL_LOCAL_ENTRIES = 16
    portal._LOCAL.clear()
    portal._version_seen[:] = [None, 0.0]
    client, url = Client(), reverse("portal:year", args=[published.year.fiscal_year])
    assert client.get(url).status_code == 200
    reads = []
    shared = caches["default"]
    real_get = shared.get
    monkeypatch.setattr(shared, "get", lambda *a, **k: reads.append(a[0]) or real_get(*a, **k))
    assert client.get(url).status_code == 200
    assert not [k for k in reads if str(k).startswith("portal:html")]  # from this process
    post = news.save(None, {"title_th": "ข่าวในหน่วยความจำ", "body_th": "ก"}, [],
                     acting_user=published.nacc)
    with TestCase.captureOnCommitCallbacks(execute=True):
        news.publish(post, acting_user=published.nacc)
    assert "ข่าวในหน่วยความจำ" in client.get(url).content.decode()  # drawn again at once
    # Another process's publication: the version read again after a second.
    cache.set(portal.VERSION_KEY, "from-another-process", timeout=None)
    portal._version_seen[1] -= 2  # a second and more has passed
    assert portal._current_version(True) == "from-another-process"


def test_made_up_codes_are_not_found_and_keep_nothing(published, client):
    from django.core.cache import cache

    cache.clear()
    fy = published.year.fiscal_year
    for url in (reverse("portal:agency", args=["NO-SUCH-1"]),
                reverse("portal:province", args=[fy, "XX-99"]),
                f"/api/v1/years/{fy}/results/NO-SUCH-2",
                f"/api/v1/years/{fy}/results?province=XX-99&offset=7&limit=3"):
        assert client.get(url).status_code in (200, 404), url
    assert [k for k in cache._cache if "portal:agency:" in k or "portal:province:" in k
            or "portal:api" in k] == []  # LocMemCache's own keys
