"""The registry's pages under /agencies/.

The root URLconf mounts these together with the agency pages of the apps above the
registry (the list and enrolment in calendars, the surveys, the agency's own page in site)
in one ``agencies`` namespace, so this app never imports them.
"""

from django.urls import path

from . import views

app_name = "agencies"
urlpatterns = [
    path("new/", views.registry_edit, name="new"),
    path("import/", views.registry_import, name="import"),
    path("<int:pk>/registry/", views.registry_edit, name="registry_edit"),
    path("<int:pk>/active/", views.set_active, name="set_active"),
    path("<int:pk>/profile/", views.profile_edit, name="profile"),
    path("<int:pk>/contacts/new/", views.contact_edit, name="contact_new"),
    path("<int:pk>/contacts/<int:contact_id>/", views.contact_edit, name="contact_edit"),
    path("<int:pk>/contacts/<int:contact_id>/delete/", views.contact_delete,
         name="contact_delete"),
    path("<int:pk>/invite/", views.invite, name="invite"),
]

# Mounted under /accounts/ (namespace "accounts") by the root URLconf.
accounts_urlpatterns = [
    path("people/grant/", views.grant, name="grant"),
]
