"""History of clinical models: every insert, update and delete, bulk ones included,
recorded by database triggers (django-pghistory) with the acting user from the
middleware's context. Decorate every clinical model with `track_clinical()`."""

import pghistory


def track_clinical():
    return pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
