"""An existing database keeps its enrolments, and what points at them, when the enrolment
moves from the registry (agencies) to the year (calendars)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = [pytest.mark.heavy, pytest.mark.django_db(transaction=True)]

BEFORE = [("agencies", "0002_initial"), ("calendars", "0003_assessmentyear_iit_requires_"
                                                    "access_code_and_more"),
          ("surveys", "0002_collection_reminder")]
AFTER = [("agencies", "0003_enrolment_moves_to_calendars"), ("calendars", "0005_enrolment_table"),
         ("surveys", "0003_enrolment_in_calendars")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_enrolments_and_their_survey_links_survive_the_move():
    old = _migrate(BEFORE)
    agency = old.get_model("agencies", "Agency").objects.create(
        code="SAO-OLD", name_th="อบต. เดิม", kind="sao", size_class="M")
    year = old.get_model("calendars", "AssessmentYear").objects.create(fiscal_year=2569)
    enrolment = old.get_model("agencies", "Enrolment").objects.create(
        agency=agency, year=year, state="headcount_approved", headcount=42)
    old.get_model("surveys", "SurveyLink").objects.create(enrolment=enrolment, code="abc234")
    content_types = old.get_model("contenttypes", "ContentType").objects
    content_types.get_or_create(app_label="agencies", model="enrolment")
    try:
        new = _migrate(AFTER)
        moved = new.get_model("calendars", "Enrolment").objects.get(pk=enrolment.pk)
        assert (moved.agency_id, moved.year_id, moved.headcount) == (agency.pk, year.pk, 42)
        assert moved.state == "headcount_approved"
        link = new.get_model("surveys", "SurveyLink").objects.get(code="abc234")
        assert link.enrolment_id == moved.pk
        assert "calendars_enrolment" in connection.introspection.table_names()
        assert "agencies_enrolment" not in connection.introspection.table_names()
        # The renamed table takes new rows (its key sequence came along) and its foreign
        # keys still hold.
        other = new.get_model("agencies", "Agency").objects.create(
            code="SAO-NEW", name_th="อบต. ใหม่", kind="sao", size_class="S")
        added = new.get_model("calendars", "Enrolment").objects.create(agency=other,
                                                                       year_id=year.pk)
        assert added.pk > moved.pk
        new.get_model("surveys", "Response").objects.create(
            enrolment=added, instrument="IIT", answers={}, submitted_on="2026-01-01",
            receipt="r1")
        assert new.get_model("contenttypes", "ContentType").objects.filter(
            app_label="calendars", model="enrolment").exists()
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
