"""A URLconf without the records' pages (test_paths: a cached path must not leak into it)."""

urlpatterns: list = []
