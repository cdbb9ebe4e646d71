from django.urls import path

from . import oversight_views, plan_views, public_views, views

app_name = "planning"
# The plans (an agency's or an oversight body's) and the oversight pages, under /planning/.
urlpatterns = [
    path("", oversight_views.scopes, name="scopes"),
    path("plans/<int:plan_id>/", plan_views.plan_page, name="plan"),
    path("plans/<int:plan_id>/calendar/", plan_views.from_calendar, name="from_calendar"),
    path("plans/<int:plan_id>/steps/<int:step_id>/", plan_views.step_page, name="step"),
    path("plans/<int:plan_id>/steps/<int:step_id>/delete/", plan_views.step_delete,
         name="step_delete"),
    path("plans/<int:plan_id>/phases/<int:phase_id>/delete/", plan_views.phase_delete,
         name="phase_delete"),
    path("plans/<int:plan_id>.<str:fmt>", plan_views.plan_download, name="plan_download"),
    path("<str:kind>/<int:scope_id>/", oversight_views.scope_page, name="scope"),
    path("<str:kind>/<int:scope_id>/<int:fiscal_year>/plan/", oversight_views.scope_plan,
         name="scope_plan"),
    path("<str:kind>/<int:scope_id>/coaching/new/", oversight_views.coaching_page,
         name="coaching_new"),
    path("<str:kind>/<int:scope_id>/coaching/<int:activity_id>/",
         oversight_views.coaching_page, name="coaching"),
    path("<str:kind>/<int:scope_id>/coaching/<int:activity_id>/delete/",
         oversight_views.coaching_delete, name="coaching_delete"),
]

# The agency's planning pages, mounted under /agencies/ (namespace "agencies").
agency_urlpatterns = [
    path("<int:pk>/planning/", views.overview, name="planning"),
    path("<int:pk>/planning/<int:fiscal_year>/analysis/", views.analysis_page,
         name="planning_analysis"),
    path("<int:pk>/planning/<int:fiscal_year>/measures/", views.measures_page,
         name="planning_measures"),
    path("<int:pk>/planning/<int:fiscal_year>/measures/<int:measure_id>/", views.measure_page,
         name="planning_measure"),
    path("<int:pk>/planning/<int:fiscal_year>/measures/<int:measure_id>/delete/",
         views.measure_delete, name="planning_measure_delete"),
    path("<int:pk>/planning/<int:fiscal_year>/measures/do/<str:step>/", views.measures_step,
         name="planning_measures_step"),
    path("<int:pk>/planning/<int:fiscal_year>/plan/", plan_views.start_agency_plan,
         name="planning_plan_start"),
    path("<int:pk>/planning/<int:fiscal_year>/progress/<int:period>/", views.report_page,
         name="planning_report"),
    path("<int:pk>/planning/<int:fiscal_year>/progress/<int:period>/entries/<int:entry_id>/",
         views.entry_save, name="planning_entry"),
    path("<int:pk>/planning/<int:fiscal_year>/progress/<int:period>/do/<str:step>/",
         views.report_step, name="planning_report_step"),
    path("<int:pk>/planning/<int:fiscal_year>/<str:kind>.<str:fmt>", views.download,
         name="planning_download"),
    path("<int:pk>/planning/<int:fiscal_year>/<str:kind>/publish/", views.publish,
         name="planning_publish"),
]

# The public pages of published documents, under /a/ (namespace "planning_public").
public_urlpatterns = [
    path("<str:code>/<int:fiscal_year>/<str:kind>/", public_views.document, name="document"),
    path("<str:code>/<int:fiscal_year>/<str:kind>/v<int:version>/", public_views.document,
         name="version"),
    path("<str:code>/<int:fiscal_year>/<str:kind>/v<int:version>.<str:fmt>",
         public_views.document_file, name="file"),
]
