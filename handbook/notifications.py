"""The handbook's notification kinds (see cloudpeds/notifications/kinds.py).

"handbook.version_superseded": a newly published version replaced one that training lessons
or exam questions cite; the training managers are told which (context: topic, old_number,
new_number, citations: [{label, url}]).
"""

from django.utils.translation import gettext_lazy as _

from cloudpeds.notifications.kinds import register

register(
    "handbook.version_superseded",
    _("A handbook topic cited in training has a new version"),
    icon="bi-journal-arrow-up",
)
