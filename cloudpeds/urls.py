from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from cloudpeds.core import views as core_views
from training.urls import verification_patterns as certificate_verification

# The admin signs in through allauth, so two-factor and rate limits apply there too.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = _("Cloud Pediatrics administration")
admin.site.site_title = _("Cloud Pediatrics")

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("ping", core_views.ping, name="ping"),
    path("i18n/setlang/", core_views.set_language, name="set_language"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("patients/", include("cloudpeds.patients.urls")),
    path("files/", include("cloudpeds.attachments.urls")),
    path("notifications/", include("cloudpeds.notifications.urls")),
    path("audit/", include("cloudpeds.audit.urls")),
    path("consultations/", include("consultations.urls")),
    path("referrals/", include("referrals.urls")),
    path("training/", include("training.urls")),
    path("handbook/", include("handbook.urls")),
    path("outcomes/", include("outcomes.urls")),
    # Public, without sign-in: anyone can check a training certificate.
    path("certificates/", include(certificate_verification)),
]
