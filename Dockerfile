# syntax=docker/dockerfile:1
# The NMG Registry as a production image: gunicorn serving nmg_registry.wsgi on port 8000,
# static files collected at build time and served by WhiteNoise. TLS is terminated by a
# reverse proxy in front (see docs/deployment.md). Configuration comes from the environment
# (see .env.example); the image itself holds no secret.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
# Run the code in /app whatever the working directory: settings.BASE_DIR must point at the
# source tree, where templates/ and static/ live (the installed wheel carries neither).
ENV PYTHONPATH=/app
# Fail closed: without the production variables (.env.example) the container will not start.
ENV DJANGO_DEBUG=false
# gunicorn takes its default worker count from this variable; override it in .env.
ENV WEB_CONCURRENCY=3

# WeasyPrint (the PDF of a round's assessment report) lays text out with Pango, which the
# slim image lacks, and needs fonts to draw it with: Liberation Sans (Arial's widths, which
# the charts' labels are measured for) and DejaVu Sans (the report's text, the tick marks).
# Noto CJK: Chinese, Japanese or Korean in an answer (without it, boxes and no text layer).
RUN apt-get update \
    && apt-get install --yes --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 fonts-liberation fonts-dejavu-core fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --system --user-group --home-dir /app --no-create-home --shell /usr/sbin/nologin app

WORKDIR /app

COPY . .

# `pip install .` installs the runtime dependencies of pyproject.toml (no dev extras).
# The cache mount keeps downloaded wheels between builds without putting them in the image.
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install . \
    && rm -rf build ./*.egg-info

# The key is a throwaway that exists only for this command: settings refuse to load without
# one when debug is off. DJANGO_DEBUG=false (set above) selects WhiteNoise's manifest
# storage, so the hashed file names written here are the ones the running site looks up.
RUN DJANGO_SECRET_KEY=collectstatic-build-only-not-a-secret \
    python manage.py collectstatic --noinput

# The code stays root-owned and read-only to the app; only var/ (uploads) is writable.
RUN mkdir -p var/media && chown -R app:app var

USER app

EXPOSE 8000

# --worker-tmp-dir: heartbeat files in memory, not on the container's overlay filesystem.
# --timeout 120: a large composition upload can run past gunicorn's default of 30 s.
CMD ["gunicorn", "nmg_registry.wsgi", \
     "--bind", "0.0.0.0:8000", \
     "--access-logfile", "-", \
     "--worker-tmp-dir", "/dev/shm", \
     "--timeout", "120"]
