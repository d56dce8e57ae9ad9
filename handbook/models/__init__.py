# The handbook's models, one submodule per area: add a submodule's import below.
from .dosing import *  # noqa: F403
from .pathways import *  # noqa: F403
from .topics import (  # noqa: F401
    AgeBand,
    ClassificationRow,
    Colour,
    EventKind,
    HandbookEdition,
    SearchDocument,
    SearchLog,
    Section,
    SectionKind,
    Symptom,
    Topic,
    TopicVersion,
    TopicVersionEvent,
    TopicViewDay,
    VersionStatus,
)
