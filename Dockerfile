# syntax=docker/dockerfile:1
# taskflow's image: `taskflow serve` by default; the same image runs `taskflow worker` and
# `taskflow db upgrade` (deploy/compose.yaml, deploy/k8s/). Build from the checkout:
#   docker build -t taskflow .
# tests/deploy/test_dockerfile.py runs this file's install and start commands in a fresh
# virtual environment, so they cannot rot unnoticed: keep them plain shell.
ARG PYTHON_IMAGE=python:3.12-slim-bookworm

# --- build: the package and every extra in a virtual environment -------------------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY src ./src
RUN python -m venv /opt/taskflow \
    && /opt/taskflow/bin/pip install --no-cache-dir ".[all]" \
    && mkdir -p /var/lib/taskflow

# --- runtime: the virtual environment only, run as an unprivileged user -------------------
FROM ${PYTHON_IMAGE} AS runtime
COPY --from=build /opt/taskflow /opt/taskflow
# The data folder (TASKFLOW_DATA_DIR: mail files, generated development secrets) is the
# only place taskflow writes; the user owns it, nothing else (mount a volume there).
COPY --from=build --chown=10001:10001 /var/lib/taskflow /var/lib/taskflow
ENV PATH=/opt/taskflow/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    TASKFLOW_DATA_DIR=/var/lib/taskflow \
    HEALTHCHECK_URL=http://127.0.0.1:8000/health
# A numeric user (no account needed in the image): Kubernetes' runAsNonRoot can check it.
USER 10001:10001
WORKDIR /var/lib/taskflow
EXPOSE 8000
# HEALTHCHECK_URL: the service's own port (3001-3003 once the services are split; the
# worker's metrics port). Python rather than curl: the slim image has no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; sys.exit(urllib.request.urlopen(os.environ['HEALTHCHECK_URL'], timeout=4).status != 200)"]
ENTRYPOINT ["taskflow"]
# The migrations run once per release (`taskflow db upgrade`, a Job or a Compose service),
# not in every replica; the worker runs apart (`taskflow worker`).
CMD ["serve", "--host", "0.0.0.0", "--port", "8000", "--no-worker", "--skip-migrations"]
