"""Find a module of the same name in every installed app (demo data, scale data).

The platform never imports a feature app by name; each app that has, say, a `demo`
module with a `seed(stdout)` function takes part, in INSTALLED_APPS order.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import import_module
from types import ModuleType

from django.apps import apps
from django.utils.module_loading import module_has_submodule

# The shared mechanisms (cloudpeds/core/rollups.py stores every app's roll-ups,
# core/worklist.py gathers the apps' work items) take part in nothing themselves.
_MECHANISMS = "cloudpeds.core"


def app_modules(name: str) -> Iterator[ModuleType]:
    for app_config in apps.get_app_configs():
        if app_config.name != _MECHANISMS and module_has_submodule(app_config.module, name):
            yield import_module(f"{app_config.name}.{name}")
