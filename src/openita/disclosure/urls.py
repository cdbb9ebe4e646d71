from django.urls import path

from . import agency_views, views

app_name = "oit"
# The consultants' pages, the progress across a scope and the filers list, under /oit/.
urlpatterns = [
    path("review/", views.queue, name="queue"),
    path("review/<int:answer_id>/", views.review_item, name="review"),
    path("review/<int:answer_id>/clarification/", views.answer_dispute, name="answer_dispute"),
    path("review/<int:answer_id>/recheck/", views.recheck, name="recheck"),
    path("captures/<int:capture_id>/text/", views.capture_text, name="capture_text"),
    path("captures/<int:capture_id>/copy/", views.capture_file, name="capture_file"),
    path("captures/<int:capture_id>/snapshot.png", views.capture_snapshot,
         name="capture_snapshot"),
    path("confirmation/", views.confirmations, name="confirmations"),
    path("confirmation/<int:submission_id>/", views.confirm, name="confirm"),
    path("progress/", views.progress, name="progress"),
    path("progress.<str:fmt>", views.progress_export, name="progress_export"),
    path("<int:fiscal_year>/clarifications/", views.filers_page, name="filers"),
    path("<int:fiscal_year>/clarifications.<str:fmt>", views.filers_export,
         name="filers_export"),
    path("<int:fiscal_year>/clarifications/publish/", views.filers_publish,
         name="filers_publish"),
]

# The agency's OIT pages, mounted under /agencies/ (namespace "agencies") by the root
# URLconf, so the registry below never imports the OIT.
agency_urlpatterns = [
    path("<int:pk>/oit/", agency_views.oit_page, name="oit"),
    path("<int:pk>/oit/checks/", agency_views.check_results, name="oit_checks"),
    path("<int:pk>/oit/check/", agency_views.step, {"step": "check"}, name="oit_check"),
    path("<int:pk>/oit/submit/", agency_views.step, {"step": "submit"}, name="oit_submit"),
    path("<int:pk>/oit/approve/", agency_views.step, {"step": "approve"}, name="oit_approve"),
    path("<int:pk>/oit/send-back/", agency_views.step, {"step": "send_back"}, name="oit_send_back"),
    path("<int:pk>/oit/withdraw/", agency_views.step, {"step": "withdraw"}, name="oit_withdraw"),
    path("<int:pk>/oit/clarification/<str:step>/", agency_views.clarification_step,
         name="oit_clarification"),
    path("<int:pk>/oit/<str:code>/", agency_views.item_page, name="oit_item"),
    path("<int:pk>/oit/<str:code>/dispute/", agency_views.dispute, name="oit_dispute"),
]
