"""The people every test talks about, in one small world.

Province P (Chiang Mai) holds agency A; province Q (Phuket) holds agency B. Both are SAOs
under the Department of Local Administration, itself under the Ministry of Interior.
Consultant team X reviews group GX (A's group) only; lead X leads it, consultant X is a
member. The year 2570 is open and its registration window runs from ten days ago to twenty
days from now.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from openita.accounts import twofactor
from openita.accounts.models import ConsultantTeam, Role, RoleGrant, User
from openita.agencies.models import Agency, AgencyGroup, AgencyKind, Province
from openita.agencies.registry_io import rebuild_lineages
from openita.calendars.models import PHASE_ORDER, AssessmentYear, PhaseWindow, YearStatus
from openita.frameworks import services as frameworks
from openita.frameworks.loader import load_file
from openita.frameworks.models import FrameworkVersion, VersionStatus

PASSWORD = "correct horse battery"
MINI_FRAMEWORK = Path(__file__).resolve().parent / "frameworks" / "mini.yaml"


def mini_version(status: str = VersionStatus.FROZEN) -> FrameworkVersion:
    """The tiny test framework stored as a version (frozen: the world's year is open)."""
    version = FrameworkVersion(code="mini", source="tests", status=status)
    frameworks._store(version, load_file(MINI_FRAMEWORK))
    version.save()
    return version


@dataclass
class World:
    province_p: Province
    province_q: Province
    ministry: Agency
    dla: Agency
    agency_a: Agency
    agency_b: Agency
    group_x: AgencyGroup
    team_x: ConsultantTeam
    year: AssessmentYear
    nacc: User
    admin_a: User
    admin_b: User
    executive_a: User
    consultant_x: User
    lead_x: User
    officer_p: User
    ministry_officer: User
    nobody: User

    def persona(self, name: str) -> User | None:
        return None if name == "anonymous" else getattr(self, name)


PERSONAS = ["anonymous", "nobody", "nacc", "admin_a", "admin_b", "executive_a",
            "consultant_x", "lead_x", "officer_p", "ministry_officer"]


def _user(email: str, name: str) -> User:
    return User.objects.create_user(email=email, password=PASSWORD, full_name=name)


def _grant(user: User, role: str, **target) -> None:
    RoleGrant.objects.create(user=user, role=role, **target)


def build_world(registration_open: bool = True) -> World:
    p = Province.objects.create(code="TH-50", name_th="เชียงใหม่", name_en="Chiang Mai",
                                region="north")
    q = Province.objects.create(code="TH-83", name_th="ภูเก็ต", name_en="Phuket",
                                region="south")
    gx = AgencyGroup.objects.create(code="GX", name_th="กลุ่ม X", name_en="Group X")
    gy = AgencyGroup.objects.create(code="GY", name_th="กลุ่ม Y", name_en="Group Y")
    ministry = Agency.objects.create(code="MIN-MOI", name_th="สำนักงานปลัดกระทรวงมหาดไทย",
                                     kind=AgencyKind.MINISTRY)
    dla = Agency.objects.create(code="DEP-DLA", name_th="กรมส่งเสริมการปกครองท้องถิ่น",
                                kind=AgencyKind.DEPARTMENT, parent=ministry)
    a = Agency.objects.create(code="SAO-A", name_th="องค์การบริหารส่วนตำบลหนองบัว",
                              name_en="Nong Bua SAO", kind=AgencyKind.SAO, size_class="M",
                              province=p, group=gx, parent=dla)
    b = Agency.objects.create(code="SAO-B", name_th="องค์การบริหารส่วนตำบลป่าตอง",
                              name_en="Pa Tong SAO", kind=AgencyKind.SAO, size_class="L",
                              province=q, group=gy, parent=dla)
    rebuild_lineages()
    for agency in (ministry, dla, a, b):
        agency.refresh_from_db()
    team = ConsultantTeam.objects.create(name_th="ทีม X", name_en="Team X")
    team.groups.set([gx])
    year = AssessmentYear.objects.create(fiscal_year=2570, status=YearStatus.OPEN,
                                         framework=mini_version())
    today = timezone.localdate()
    start = today - dt.timedelta(days=10) if registration_open else today + dt.timedelta(days=5)
    PhaseWindow.objects.bulk_create(
        PhaseWindow(year=year, phase=phase, opens_on=start + dt.timedelta(days=i * 30),
                    closes_on=start + dt.timedelta(days=i * 30 + 29))
        for i, phase in enumerate(PHASE_ORDER))
    world = World(
        province_p=p, province_q=q, ministry=ministry, dla=dla, agency_a=a, agency_b=b,
        group_x=gx, team_x=team, year=year,
        nacc=_user("nacc@example.test", "ผู้ดูแล ส่วนกลาง"),
        admin_a=_user("admin.a@example.test", "สมชาย ใจดี"),
        admin_b=_user("admin.b@example.test", "สมศรี มีสุข"),
        executive_a=_user("exec.a@example.test", "นายก อบต. หนองบัว"),
        consultant_x=_user("consultant.x@example.test", "อาจารย์ ที่ปรึกษา"),
        lead_x=_user("lead.x@example.test", "หัวหน้า คณะที่ปรึกษา"),
        officer_p=_user("officer.p@example.test", "เจ้าหน้าที่ จังหวัด"),
        ministry_officer=_user("moi@example.test", "เจ้าหน้าที่ กระทรวง"),
        nobody=_user("nobody@example.test", "ไม่มี บทบาท"),
    )
    _grant(world.nacc, Role.NACC_ADMIN)
    _grant(world.admin_a, Role.AGENCY_ADMIN, agency=a)
    _grant(world.admin_b, Role.AGENCY_ADMIN, agency=b)
    _grant(world.executive_a, Role.AGENCY_EXECUTIVE, agency=a)
    _grant(world.consultant_x, Role.CONSULTANT, team=team)
    _grant(world.lead_x, Role.CONSULTANT, team=team, team_lead=True)
    _grant(world.officer_p, Role.OVERSIGHT, province=p)
    _grant(world.ministry_officer, Role.OVERSIGHT, parent=ministry)
    return world


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def closed_world(db) -> World:
    """The same world, but registration opens only in five days."""
    return build_world(registration_open=False)


def verify_two_factor(client, user: User) -> None:
    """A person whose role requires two-factor sign-in gets an authenticator app, and the
    client's session counts as verified with it, as after entering a code (a person without
    such a role is left as they are). Call after ``force_login``."""
    if not twofactor.required(User.objects.get(pk=user.pk)):  # fresh: roles are cached
        return
    device = (TOTPDevice.objects.filter(user=user, confirmed=True).first()
              or TOTPDevice.objects.create(user=user, name="test app", confirmed=True))
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture
def client_for(client):
    """``client_for(user)`` signs the test client in as ``user`` (None stays anonymous),
    past two-factor sign-in where the person's role requires it."""

    def sign_in(user):
        client.logout()
        if user is not None:
            client.force_login(user)
            verify_two_factor(client, user)
        return client

    return sign_in
