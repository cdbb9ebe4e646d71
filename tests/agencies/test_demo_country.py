"""The demo country: national proportions, determinism, and people for every role."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from openita.accounts.models import Role, RoleGrant, User
from openita.agencies.models import Agency, AgencyKind, Province
from openita.calendars import services as calendar
from openita.calendars.models import Phase
from openita.core.audit import verify_chain
from openita.results.models import AgencyResult, AwardCategory, NewsPost, Publication
from openita.site import demo


def test_the_allocation_keeps_the_national_proportions_at_full_size():
    counts = demo.allocate(8400)
    assert sum(counts.values()) == 8400
    assert counts[AgencyKind.SAO] == 5300
    assert counts[AgencyKind.PAO] == 76
    assert counts[AgencyKind.PROVINCE] == 76
    assert counts[AgencyKind.BANGKOK] == 1


def test_a_small_country_still_has_one_agency_of_every_type():
    counts = demo.allocate(40)
    assert sum(counts.values()) == 40
    assert all(counts[kind] >= 1 for kind in AgencyKind.values)
    assert counts[AgencyKind.SAO] == max(counts.values())


def test_too_small_a_country_is_refused():
    with pytest.raises(ValueError):
        demo.allocate(5)


def _snapshot() -> list[tuple]:
    return list(Agency.objects.order_by("code").values_list(
        "code", "name_th", "name_en", "kind", "size_class", "province__code", "parent__code"))


# flush empties the tables with TRUNCATE on PostgreSQL, which needs its own transaction.
@pytest.mark.django_db(transaction=True)
def test_the_same_seed_gives_the_same_country():
    demo.generate(120, seed=7)
    first = _snapshot()
    people = sorted(User.objects.values_list("email", "full_name"))
    call_command("flush", interactive=False, verbosity=0)
    demo.generate(120, seed=7)
    assert _snapshot() == first
    assert sorted(User.objects.values_list("email", "full_name")) == people
    call_command("flush", interactive=False, verbosity=0)
    demo.generate(120, seed=8)
    assert _snapshot() != first


@pytest.mark.django_db
def test_the_demo_country_is_believable_and_ready_to_use():
    result = demo.generate(200, seed=1)
    assert result.agencies == Agency.objects.count() == 200
    assert Province.objects.count() == 77
    assert Province.objects.get(code="TH-10").name_th == "กรุงเทพมหานคร"
    sao = Agency.objects.filter(kind=AgencyKind.SAO).first()
    assert sao.name_th.startswith("องค์การบริหารส่วนตำบล") and sao.size_class in "SML"
    assert sao.parent.code == "DEP-DLA" and sao.lineage.startswith(sao.parent.parent.lineage)
    for role in Role.values:
        assert RoleGrant.objects.filter(role=role).exists(), role
    for login in demo.PERSONAS:
        assert User.objects.get(email=f"{login}@{demo.DEMO_DOMAIN}").check_password(
            demo.DEMO_PASSWORD)
    year = calendar.current_year()
    assert year.fiscal_year == result.year
    assert calendar.phase_status(year, Phase.REGISTRATION).is_open
    assert verify_chain().intact
    # Results: a past year imported, last year computed and published, provisional now.
    published = dict(Publication.objects.values_list("year__fiscal_year", "run__kind"))
    assert published == {result.year - 2: None, result.year - 1: "final"}
    kinds = set(AgencyResult.objects.values_list("year__fiscal_year", "kind"))
    assert kinds == {(result.year - 2, "imported"), (result.year - 1, "final"),
                     (result.year, "provisional")}
    assert AgencyResult.objects.filter(year__fiscal_year=result.year - 1).count() == 200
    # An award list of the published year, on the public home page as a news post.
    post = NewsPost.objects.get(published_at__isnull=False)
    assert post.attachments.get().file.read().startswith(b"%PDF")
    assert AwardCategory.objects.get(year__fiscal_year=result.year - 1)


@pytest.mark.django_db(transaction=True)
def test_the_command_prints_the_sign_in_details_and_refuses_a_second_run(capsys):
    call_command("demo_data", agencies=60, seed=3)
    out = capsys.readouterr().out
    assert "60 agencies" in out
    assert f"nacc@{demo.DEMO_DOMAIN}" in out and demo.DEMO_PASSWORD in out
    assert demo.demo_totp_secret() in out and "openita demo-code" in out
    with pytest.raises(CommandError):
        call_command("demo_data", agencies=60, seed=3)
    call_command("demo_data", agencies=60, seed=4, flush=True)
    assert Agency.objects.count() == 60


@pytest.mark.django_db
def test_the_demo_nacc_admin_signs_in_with_the_printed_two_factor_code(client, capsys):
    """Privileged demo personas have an app set up with the demo's public key; the code
    ``openita demo-code`` prints completes their sign-in, as a real app's code would."""
    demo.generate(60, seed=3)
    response = client.post(reverse("accounts:login"), {
        "username": f"nacc@{demo.DEMO_DOMAIN}", "password": demo.DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("agencies:list"))["Location"].startswith(
        reverse("accounts:two_factor_verify"))
    call_command("demo_code")
    code = capsys.readouterr().out.strip()
    assert len(code) == 6 and code.isdigit()
    response = client.post(reverse("accounts:two_factor_verify"), {"code": code})
    assert response.status_code == 302
    assert client.get(reverse("agencies:list")).status_code == 200
    # an agency admin is not asked for a second factor and gets no demo key
    assert not TOTPDevice.objects.filter(user__email=f"admin@{demo.DEMO_DOMAIN}").exists()
