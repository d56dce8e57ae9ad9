from django.urls import path

from .views import asking

urlpatterns = [
    path("", asking.index, name="index"),
    path("new/", asking.new_consultation, name="new"),
    path("new/<uuid:patient_id>/", asking.start_consultation, name="start"),
    path("<uuid:public_id>/", asking.detail, name="detail"),
    path("<uuid:public_id>/edit/", asking.edit_draft, name="edit"),
    path("<uuid:public_id>/messages/", asking.post_message, name="post_message"),
    path("<uuid:public_id>/information/", asking.provide_info, name="provide_info"),
    path("<uuid:public_id>/close/", asking.close_consultation, name="close"),
    path("<uuid:public_id>/withdraw/", asking.cancel_consultation, name="cancel"),
]
