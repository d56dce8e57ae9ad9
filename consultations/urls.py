"""Each side of the work keeps its routes in its own module; this joins them."""

from .urls_answering import urlpatterns as answering
from .urls_asking import urlpatterns as asking
from .urls_reports import urlpatterns as reports

app_name = "consultations"

urlpatterns = [*asking, *answering, *reports]
