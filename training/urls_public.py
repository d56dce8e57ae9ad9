"""The public certificate verification pages, outside /training/ and without sign-in.

Mounted by the project urlconf: path("certificates/", include("training.urls_public")).
"""

from django.urls import path

from . import views_certificates

app_name = "certificates"

urlpatterns = [
    path("verify/", views_certificates.verify_lookup, name="verify_lookup"),
    path("verify/<str:code>/", views_certificates.verify, name="verify"),
]
