from django.urls import path

from . import award_views, news_views, report_views, views

app_name = "results"
# NACC's pages of the results, under /results/.
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:fiscal_year>/", views.manage, name="manage"),
    path("<int:fiscal_year>/compute/", views.compute, name="compute"),
    path("<int:fiscal_year>/table/", views.table, name="table"),
    path("<int:fiscal_year>/table.<str:fmt>", views.table_export, name="table_export"),
    path("<int:fiscal_year>/publish/", views.publish, name="publish"),
    path("runs/<int:run_id>/", views.run_status, name="run"),
    path("import/", views.import_past, name="import_past"),
    path("scope/", views.scope_index, name="scope_index"),
    path("scope/<int:fiscal_year>/", views.scope, name="scope"),
    path("scope/<int:fiscal_year>.<str:fmt>", views.scope_export, name="scope_export"),
    path("<int:fiscal_year>/awards/", award_views.award_list, name="awards"),
    path("<int:fiscal_year>/awards/<int:category_id>/remove/", award_views.award_remove,
         name="award_remove"),
    path("<int:fiscal_year>/awards.pdf", award_views.award_pdf, name="awards_pdf"),
    path("news/", news_views.manage_list, name="news"),
    path("news/new/", news_views.edit, name="news_new"),
    path("news/<int:post_id>/", news_views.edit, name="news_edit"),
    path("news/<int:post_id>/publish/", news_views.publish, name="news_publish"),
    path("news/<int:post_id>/withdraw/", news_views.withdraw, name="news_withdraw"),
    path("reports/", report_views.reports_index, name="reports"),
    path("<int:fiscal_year>/agency/<str:code>/report/", report_views.report_page,
         name="report"),
    path("<int:fiscal_year>/agency/<str:code>/report.pdf", report_views.report_pdf,
         name="report_pdf"),
]
