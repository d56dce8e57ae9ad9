"""For data migrations of the apps that notify: rewrite the stored context of old
notification rows (text in one language) into the parameters rows store now."""

from __future__ import annotations

from collections.abc import Callable

BATCH = 500


def rewrite_contexts(apps, target: str, convert: Callable[[dict, object | None], dict]) -> None:
    """Call `convert(context, target_or_None)` for every notification about a `target`
    ("app_label.model") and store what it returns; one query per batch of rows, not per row."""
    Notification = apps.get_model("notifications", "Notification")
    ContentType = apps.get_model("contenttypes", "ContentType")
    app_label, model_name = target.split(".")
    content_type = ContentType.objects.filter(app_label=app_label, model=model_name).first()
    if content_type is None:
        return
    model = apps.get_model(app_label, model_name)
    rows = Notification.objects.filter(target_type=content_type).order_by("pk")
    last = 0
    while batch := list(rows.filter(pk__gt=last)[:BATCH]):
        last = batch[-1].pk
        targets = model._base_manager.in_bulk({row.target_id for row in batch})
        changed = []
        for row in batch:
            context = convert(dict(row.context), targets.get(row.target_id))
            if context != row.context:
                row.context = context
                changed.append(row)
        Notification.objects.bulk_update(changed, ["context"])


def pair(labels: dict[str, tuple[str, str]], name: str, context: dict) -> dict:
    """`context[name]`, a label in either language, as its `_zh`/`_en` pair when known."""
    text = context.get(name)
    if text in labels:
        zh, en = labels[text]
        context.pop(name)
        context[f"{name}_zh"], context[f"{name}_en"] = zh, en
    return context


def both_ways(*labels: tuple[str, str]) -> dict[str, tuple[str, str]]:
    """(zh, en) labels → a lookup from either rendering to the pair."""
    return {text: (zh, en) for zh, en in labels for text in (zh, en)}
