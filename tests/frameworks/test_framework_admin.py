"""NACC stores, clones and edits framework versions; a year's version freezes when it opens."""

from __future__ import annotations

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation

from openita.calendars import services as calendar
from openita.calendars.models import AssessmentYear, YearStatus
from openita.core.audit import SystemActor
from openita.core.errors import ActionRefused
from openita.core.models import AuditEntry
from openita.frameworks import services
from openita.frameworks.models import FrameworkVersion, VersionStatus
from tests.helpers import english, messages_of, page_text


def _draft_year(world, fiscal_year: int = 2571) -> AssessmentYear:
    AssessmentYear.objects.filter(pk=world.year.pk).update(status=YearStatus.CLOSED)
    return calendar.create_year(fiscal_year, acting_user=world.nacc)


def test_nacc_stores_a_shipped_framework_from_the_list(world, client_for):
    client = english(client_for(world.nacc))
    assert "ita-2568" in page_text(client.get(reverse("frameworks:list")))
    response = client.post(reverse("frameworks:load", args=["ita-2568"]), follow=True)
    assert "The framework is stored" in " ".join(messages_of(response))
    version = FrameworkVersion.objects.get(code="ita-2568")
    assert version.status == VersionStatus.DRAFT and len(version.content["oit_items"]) == 26
    assert AuditEntry.objects.filter(action="framework.load").count() == 1


def test_the_outline_marks_what_is_not_confirmed(world, client_for):
    body = page_text(english(client_for(world.admin_a)).get(
        reverse("frameworks:detail", args=["ita-2568"])))
    assert "not confirmed" in body and "O26" in body and "Needs urgent improvement" in body
    assert "Sub-district Administrative Organisation" in body  # agency notes name the types
    thai = page_text(client_for(world.admin_a).get(
        reverse("frameworks:detail", args=["ita-2564"])))
    assert "ยังไม่ยืนยัน" in thai or "ไม่ได้รับการยืนยัน" in thai


def test_nacc_clones_edits_and_gives_a_draft_to_a_year_that_then_freezes_it(world, client_for):
    client = english(client_for(world.nacc))
    response = client.post(reverse("frameworks:clone", args=["ita-2568"]),
                           {"code": "ita-2571", "fiscal_year": 2571})
    assert response.status_code == 302
    draft = FrameworkVersion.objects.get(code="ita-2571")
    assert draft.fiscal_year == 2571 and draft.source == "clone of ita-2568"

    text = client.get(reverse("frameworks:edit", args=["ita-2571"])).context["form"][
        "text"].value()
    data = yaml.safe_load(text)
    data["title_en"] = "ITA framework for FY2571 (draft)"
    response = client.post(reverse("frameworks:edit", args=["ita-2571"]),
                           {"text": yaml.safe_dump(data, allow_unicode=True)})
    assert response.status_code == 302
    assert FrameworkVersion.objects.get(pk=draft.pk).title_en.endswith("(draft)")

    year = _draft_year(world)
    response = client.post(reverse("calendars:framework", args=[2571]),
                           {"framework": draft.pk})
    assert response.status_code == 302
    client.post(reverse("calendars:status", args=[2571]), {"status": "open"})
    assert AssessmentYear.objects.get(pk=year.pk).status == YearStatus.OPEN
    assert FrameworkVersion.objects.get(pk=draft.pk).status == VersionStatus.FROZEN

    response = client.post(reverse("frameworks:edit", args=["ita-2571"]), {"text": text})
    assert response.status_code == 400
    assert "frozen" in page_text(response)
    response = client.post(reverse("calendars:framework", args=[2571]),
                           {"framework": world.year.framework.pk})
    assert response.status_code == 400


@pytest.mark.parametrize(("edit", "needle"), [
    (lambda d: d["instruments"][0].update(weight="0.5"), "add up to exactly 1"),
    (lambda d: d["oit_items"][0].update(subindicator="7.7"), "unknown sub-indicator"),
    (lambda d: d.update(id="something-else"), "The id must stay"),
])
def test_an_invalid_edit_is_refused_with_its_reason_and_nothing_changes(world, client_for,
                                                                        edit, needle):
    client = english(client_for(world.nacc))
    client.post(reverse("frameworks:clone", args=["ita-2568"]),
                {"code": "ita-2571", "fiscal_year": 2571})
    before = FrameworkVersion.objects.get(code="ita-2571").checksum
    data = yaml.safe_load(client.get(reverse("frameworks:edit", args=["ita-2571"])).context[
        "form"]["text"].value())
    edit(data)
    response = client.post(reverse("frameworks:edit", args=["ita-2571"]),
                           {"text": yaml.safe_dump(data, allow_unicode=True)})
    assert response.status_code == 400 and needle in page_text(response)
    assert FrameworkVersion.objects.get(code="ita-2571").checksum == before
    assert not AuditEntry.objects.filter(action="framework.edit").exists()


def test_a_year_cannot_open_without_a_framework(world):
    year = _draft_year(world)
    with translation.override("en"), pytest.raises(ActionRefused, match="framework"):
        calendar.set_year_status(year, YearStatus.OPEN, acting_user=world.nacc)


def test_a_clone_code_must_be_free(world, client_for):
    client = english(client_for(world.nacc))
    response = client.post(reverse("frameworks:clone", args=["ita-2568"]),
                           {"code": "MINI", "fiscal_year": 2571})
    assert response.status_code == 400 and "is taken" in page_text(response)


def test_only_nacc_changes_frameworks(world, client_for):
    client = client_for(world.admin_a)
    assert client.post(reverse("frameworks:clone", args=["ita-2568"]),
                       {"code": "x-1", "fiscal_year": 2571}).status_code == 403
    assert client.post(reverse("frameworks:load", args=["ita-2568"])).status_code == 403
    assert not FrameworkVersion.objects.filter(code__in=["x-1", "ita-2568"]).exists()


def test_the_framework_commands(world, capsys):
    call_command("framework", "validate", "src/openita/frameworks/data/ita-2564.yaml")
    assert "43 OIT items" in capsys.readouterr().out
    year = _draft_year(world)
    call_command("framework", "load", "ita-2564", "--year", "2571")
    assert AssessmentYear.objects.get(pk=year.pk).framework.code == "ita-2564"
    call_command("framework", "list")
    assert "ita-2564" in capsys.readouterr().out
    call_command("framework", "show", "ita-2564")
    assert "Use of budget" in capsys.readouterr().out
    with pytest.raises(CommandError, match="unknown framework"):
        call_command("framework", "show", "ita-1999")
    with translation.override("en"), pytest.raises(CommandError, match="has opened"):
        call_command("framework", "load", "ita-2564", "--year", "2570")


def test_a_stored_version_is_parsed_once_and_scores_like_its_file(world):
    version = services.load_shipped("ita-2564", acting_user=SystemActor("test"))
    first = services.framework_of(version)
    assert services.framework_of(FrameworkVersion.objects.get(pk=version.pk)) is first
    from openita.frameworks.loader import get

    assert services.to_data(first) == services.to_data(get("ita-2564"))
