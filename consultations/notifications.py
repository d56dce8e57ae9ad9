"""The consultation workflow's notification kinds (discovered by the notifications app).

Each transition in models.py tells the other side through `notify()`. The templates always
get `patient_age` (the child's pediatric age, never the name) and `recommendation` (its
label), rendered from the case in the reader's language; the stored context holds only what
the transition passes:

- submitted, info_provided, withdrawn, overdue, escalated, message: nothing more
- claimed: `specialist` (the name of the specialist now handling it)
- info_requested: `question` (kept in the inbox row; emails do not quote free text)
- redirected: `reason` (free text, likewise not quoted in emails)
- declined: `reason_zh`, `reason_en` (the coded reason's label; templates see `reason`)
- closed: `usefulness` (1 to 5)
- conference_scheduled: `scheduled_for` (the local time, already formatted) if given

Emails leave the hospital's systems: they name no child and quote nothing the doctors typed
(a question or a reason may name the child); the link leads to the case behind sign-in.
"""

from django.utils.translation import gettext_lazy as _

from cloudpeds.notifications.kinds import register

register("consultations.submitted", _("A consultation is waiting in your specialty's queue"), icon="bi-inbox")
register("consultations.claimed", _("A specialist took a consultation"), icon="bi-person-check")
register("consultations.info_requested", _("A specialist asked for more information"), icon="bi-question-circle")
register("consultations.info_provided", _("The requesting doctor sent the information you asked for"), icon="bi-reply")
register("consultations.redirected", _("A consultation was sent to another specialty"), icon="bi-signpost-split")
register("consultations.declined", _("A specialist declined a consultation"), icon="bi-x-circle")
register("consultations.answered", _("A consultation was answered"), icon="bi-check2-circle")
register("consultations.closed", _("A consultation you answered was closed"), icon="bi-archive")
register("consultations.withdrawn", _("A consultation was withdrawn"), icon="bi-x-octagon")
register("consultations.overdue", _("A consultation of your specialty is past its response target"), icon="bi-alarm")
register(
    "consultations.escalated",
    _("A consultation is still unanswered long after its response target"),
    icon="bi-exclamation-triangle",
)
register("consultations.message", _("A new message in a consultation"), icon="bi-chat-left-text")
register("consultations.conference_scheduled", _("A case conference was scheduled"), icon="bi-camera-video")
