from django.urls import path

from .views import arriving, deciding, letters, metrics, requesting

app_name = "referrals"

urlpatterns = [
    path("", requesting.index, name="index"),
    path("all/", requesting.referral_list, name="list"),
    path("new/", requesting.new_referral, name="new"),
    path(
        "new/from-consultation/<uuid:consultation_id>/", requesting.new_from_consultation, name="new_from_consultation"
    ),
    path("diagnoses/", requesting.diagnosis_search, name="diagnosis_search"),
    path("queue/", deciding.queue, name="queue"),
    path("beds/", deciding.capacity, name="capacity"),
    path("metrics/", metrics.metrics_page, name="metrics"),
    path("metrics/csv/", metrics.metrics_csv, name="metrics_csv"),
    path("follow-ups/<uuid:item_id>/", arriving.record_follow_up, name="record_follow_up"),
    path("<uuid:public_id>/", requesting.detail, name="detail"),
    path("<uuid:public_id>/information/", requesting.provide_info, name="provide_info"),
    path("<uuid:public_id>/departed/", requesting.mark_departed, name="mark_departed"),
    path("<uuid:public_id>/cancel/", requesting.cancel, name="cancel"),
    path("<uuid:public_id>/approve/", deciding.approve, name="approve"),
    path("<uuid:public_id>/request-info/", deciding.request_info, name="request_info"),
    path("<uuid:public_id>/reject/", deciding.reject, name="reject"),
    path("<uuid:public_id>/redirect/", deciding.redirect_referral, name="redirect"),
    path("<uuid:public_id>/arrived/", arriving.confirm_arrival, name="confirm_arrival"),
    path("<uuid:public_id>/discharge/", arriving.discharge, name="discharge"),
    path("<uuid:public_id>/down-referral/", arriving.new_down_referral, name="new_down_referral"),
    path("<uuid:public_id>/acknowledge/", arriving.acknowledge, name="acknowledge"),
    path("<uuid:public_id>/letter/", letters.letter, name="letter"),
    path("<uuid:public_id>/letter/download/", letters.letter_download, name="letter_download"),
]
