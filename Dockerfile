# Cloud Pediatrics: one image for every role of the production shape (see docker-compose.yml).
# The same image runs gunicorn (default CMD), the Celery worker, Celery beat and the one-shot
# `migrate` service; only the command differs. Migrations are not run by the web command: with
# `--scale web=3` three containers would race to migrate the same database, so one `migrate`
# service runs them once and everything else starts only after it has succeeded.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint renders PDFs through Pango and HarfBuzz; these are its only native needs on
# Debian 12. No system fonts: the project ships its own (CJK included) so certificates look the
# same everywhere. gettext is not installed: the compiled .mo catalogues are committed.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, from the hashed production lock alone (`make lock` writes it beside the
# development lock, with the same pins, without the dev extra), so that a code change does not
# reinstall them and every image gets exactly the versions CI tested; --no-deps because the
# lock already lists every dependency, each with its hashes.
COPY requirements-prod.lock ./
RUN pip install --require-hashes --no-deps -r requirements-prod.lock

COPY . .

# Static files are collected into the image (whitenoise serves them from var/static), so
# every web container is identical and needs no shared static volume. collectstatic needs
# production settings to pick the manifest storage; the values below exist only for this
# step and make no connection (DATABASE_URL is set only to keep settings from starting the
# embedded development PostgreSQL).
RUN DJANGO_DEBUG=false \
    SECRET_KEY=collectstatic-only \
    ALLOWED_HOSTS=localhost \
    DATABASE_URL=postgres://build@localhost:5432/build \
    python manage.py collectstatic --noinput

# Run as an unprivileged user that cannot change the code. var/media (uploads, PDFs) and the
# beat schedule directory are created here, owned by that user, so that named volumes mounted
# over them start writable. The user has a home of its own because gunicorn (25.1+) puts its
# control socket there.
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/cloudpeds cloudpeds \
    && mkdir -p /app/var/media /app/var/celerybeat \
    && chown cloudpeds:cloudpeds /app/var/media /app/var/celerybeat
USER cloudpeds

EXPOSE 8000

# gunicorn reads its worker count from WEB_CONCURRENCY (default 3 here); other options can be
# added through GUNICORN_CMD_ARGS without changing the image. The heartbeat files go to
# /dev/shm because the image's filesystem may be slow or read-only.
# No HEALTHCHECK here: the worker and beat run from this image too and serve no HTTP; the web
# health check lives on the web service in docker-compose.yml.
ENV WEB_CONCURRENCY=3
CMD ["gunicorn", "cloudpeds.wsgi", "--bind", "0.0.0.0:8000", "--worker-tmp-dir", "/dev/shm", "--access-logfile", "-"]
