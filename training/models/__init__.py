# The training app's models, one submodule per area (courses; exams and certificates).
from .certificates import *  # noqa: F403
from .courses import *  # noqa: F403
from .exams import *  # noqa: F403
from .rollups import *  # noqa: F403
from .teaching import *  # noqa: F403
