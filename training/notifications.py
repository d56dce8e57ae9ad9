"""The training app's notification kinds (discovered by the notifications app).

Courses (context: `course_zh`, `course_en`, `due_date` (ISO, may be empty), `credit_hours`,
`credit_class`; a due-date reminder adds `days_left`):

- "training.enrolled": a training manager enrolled the learner (alone or with a cohort).
- "training.due_soon": a course is due in 7 days or 1 day and is not complete yet.

Exams and certificates (context: `course_zh`, `course_en`, and for certificates `code`,
`expires_on`, `credit_hours`, `credit_class`; for a timed-out attempt `score` and `passed`;
an expiry reminder adds `days_left`):
"""

from django.utils.translation import gettext_lazy as _

from cloudpeds.notifications.kinds import register

register("training.enrolled", _("You were enrolled in a course"), icon="bi-mortarboard")
register("training.due_soon", _("A course is due soon"), icon="bi-calendar-event")
register("training.attempt_timed_out", _("Your exam attempt was submitted when the time ran out"), icon="bi-alarm")
register("training.certificate_issued", _("You earned a certificate"), icon="bi-award")
register("training.certificate_reissued", _("Your certificate was reissued"), icon="bi-arrow-repeat")
register("training.certificate_revoked", _("Your certificate was revoked"), icon="bi-x-octagon")
register("training.certificate_expiring", _("Your certificate expires soon"), icon="bi-hourglass-split")
