"""The referral workflow's notification kinds (discovered by the notifications app).

Each transition in models.py tells the other side through `notify()`. The templates always
get `patient_age` (the child's pediatric age, never the name), `urgency` (its label),
`sending_hospital` and `receiving_hospital` (names), rendered from the referral in the
reader's language; the stored context holds only what the transition passes, labels and
names as `_zh`/`_en` pairs that the templates see under the plain name:

- requested, emergency: `department_zh/_en`, `direction_zh/_en`
- redirected, arrived, bed_reserved: `department_zh/_en` (bed_reserved also `window`)
- approved: `window` (the arrival window, local time)
- rejected: `reason_zh/_en` (the coded reason's label)
- departed: `transport_zh/_en` (its label)
- down_referral: `follow_up_count`
- completed: `done`, `total`
- follow_up_missed, follow_up_lapsed, follow_up_escalated: `item` (free text: kept in the
  inbox row, not quoted in emails), and for the lapse alerts `due_on` (ISO date)

Emails leave the hospital's systems: they name no child and quote nothing the doctors typed;
the link leads to the referral behind sign-in.
"""

from django.utils.translation import gettext_lazy as _

from cloudpeds.notifications.kinds import register

register("referrals.requested", _("A transfer request is waiting for your decision"), icon="bi-hospital")
register("referrals.emergency", _("An emergency transfer request is waiting"), icon="bi-exclamation-octagon")
register("referrals.info_requested", _("The receiving hospital asked for more information"), icon="bi-question-circle")
register("referrals.info_provided", _("The referring doctor sent the information asked for"), icon="bi-reply")
register("referrals.redirected", _("A transfer request was sent to another department"), icon="bi-signpost-split")
register("referrals.approved", _("A transfer was approved and a bed reserved"), icon="bi-check2-circle")
register("referrals.bed_reserved", _("A bed in your department was reserved for a transfer"), icon="bi-calendar-check")
register("referrals.rejected", _("A transfer request was rejected"), icon="bi-x-circle")
register("referrals.departed", _("A transferred child is on the way"), icon="bi-truck")
register("referrals.arrived", _("A transferred child arrived"), icon="bi-box-arrow-in-right")
register("referrals.cancelled", _("A transfer was cancelled"), icon="bi-x-octagon")
register("referrals.expired", _("A bed reservation expired"), icon="bi-hourglass-bottom")
register("referrals.discharged", _("A transferred child was discharged"), icon="bi-box-arrow-right")
register("referrals.down_referral", _("A child was referred back to you for follow-up"), icon="bi-arrow-down-circle")
register("referrals.acknowledged", _("A down-referral was acknowledged"), icon="bi-hand-thumbs-up")
register("referrals.follow_up_missed", _("A follow-up item was missed"), icon="bi-calendar-x")
register("referrals.follow_up_lapsed", _("A follow-up item is past its date"), icon="bi-alarm")
register(
    "referrals.follow_up_escalated",
    _("A follow-up of a child you referred down is still not done"),
    icon="bi-exclamation-triangle",
)
register("referrals.completed", _("A down-referral's follow-up is complete"), icon="bi-check2-all")
