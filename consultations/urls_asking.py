from django.urls import path

from .views import asking

urlpatterns = [
    path("", asking.index, name="index"),
]
