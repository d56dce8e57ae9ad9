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


def app_modules(name: str) -> Iterator[ModuleType]:
    for app_config in apps.get_app_configs():
        if module_has_submodule(app_config.module, name):
            yield import_module(f"{app_config.name}.{name}")
