from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseStopPolling

from cloudpeds.core.middleware import passive

from . import kinds
from .forms import EmailPreferencesForm
from .models import Notification, NotificationPreference, attach_patients

PAGE_SIZE = 20


def _unread_count(request: HttpRequest) -> int:
    return Notification.objects.visible_to(request.user).unread().capped_count()


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    show_unread = request.GET.get("show") == "unread"
    notifications = Notification.objects.visible_to(request.user).select_related("recipient", "actor")
    if show_unread:
        notifications = notifications.unread()
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    # The child's name and record number, inside the portal only (emails leave them out).
    page.object_list = list(page.object_list)
    attach_patients(page.object_list, request.user)
    return render(
        request,
        "notifications/inbox.html",
        # Counted once here, exactly, for the page's own "unread" tab and the navigation badge alike.
        {
            "page_obj": page,
            "show_unread": show_unread,
            "unread_notification_count": Notification.objects.visible_to(request.user).unread().count(),
        },
    )


@login_required
@require_GET
def open_notification(request: HttpRequest, public_id: UUID) -> HttpResponse:
    notification = get_object_or_404(Notification.objects.visible_to(request.user), public_id=public_id)
    notification.mark_read()
    target = notification.target_url
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_read(request: HttpRequest, public_id: UUID) -> HttpResponse:
    notification = get_object_or_404(
        Notification.objects.visible_to(request.user).select_related("recipient", "actor"), public_id=public_id
    )
    notification.mark_read()
    if request.htmx:
        # The row, read now, and the navigation badge swapped out of band.
        attach_patients([notification], request.user)
        context = {"notification": notification, "unread_notification_count": _unread_count(request)}
        return render(request, "notifications/inbox.html#mark_read_response", context)
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    marked = Notification.objects.visible_to(request.user).mark_read()
    if marked:
        messages.success(
            request,
            ngettext("%(count)d notification marked as read.", "%(count)d notifications marked as read.", marked)
            % {"count": marked},
        )
    return redirect("notifications:inbox")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    choices = NotificationPreference.objects.email_choices(request.user)
    data = request.POST if request.method == "POST" else None  # all boxes unticked is still a POST
    form = EmailPreferencesForm(data, kinds=kinds.optional_kinds(), initial=choices)
    if form.is_valid():
        NotificationPreference.objects.save_choices(request.user, form.cleaned_data)
        messages.success(request, _("Your email preferences were saved."))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})


@require_GET
@passive
def unread_count(request: HttpRequest) -> HttpResponse:
    """The navigation badge, polled by htmx: one COUNT query, no context processors."""
    if not request.user.is_authenticated:
        # Signed out in another tab: stop polling rather than swap a sign-in page into the bar.
        return HttpResponseStopPolling()
    html = render_to_string(
        "notifications/_nav_badge.html#badge", {"unread_notification_count": _unread_count(request)}
    )
    return HttpResponse(html)
