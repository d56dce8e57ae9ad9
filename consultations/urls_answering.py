"""The specialists' side: the queue, the fragment on the case page and its actions."""

from django.urls import path

from .views import answering

urlpatterns = [
    path("queue/", answering.queue, name="queue"),
    path("<uuid:public_id>/specialist-panel/", answering.specialist_panel, name="specialist_panel"),
    path("<uuid:public_id>/claim/", answering.claim, name="claim"),
    path("<uuid:public_id>/assign/", answering.assign, name="assign"),
    path("<uuid:public_id>/request-info/", answering.request_info, name="request_info"),
    path("<uuid:public_id>/redirect/", answering.redirect_consultation, name="redirect"),
    path("<uuid:public_id>/decline/", answering.decline, name="decline"),
    path("<uuid:public_id>/answer/", answering.answer, name="answer"),
]
