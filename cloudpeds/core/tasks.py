from celery import shared_task


@shared_task
def ping() -> str:
    """Proves a worker is consuming from the broker (used by the worker test)."""
    return "pong"
