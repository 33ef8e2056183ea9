# syntax=docker/dockerfile:1
# One image for every service: `jingzhang serve <service>` picks it (default: assignment),
# `jingzhang provision --replicas N` creates the JetStream streams. Settings come from the
# environment (NATS_URL, DATABASE_URL, HTTP_HOST, HTTP_PORT, LOG_LEVEL).

FROM python:3.11.14-slim-bookworm AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
# the build inputs only: a change to tests or docs does not rebuild the wheel
COPY pyproject.toml setup.py README.md ./
COPY shared ./shared
COPY services ./services
RUN python -m pip wheel --no-deps --wheel-dir /wheels . \
 && python -m venv /opt/jingzhang \
 && /opt/jingzhang/bin/pip install /wheels/*.whl

FROM python:3.11.14-slim-bookworm AS runtime
ENV PATH=/opt/jingzhang/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8000 \
    LOG_LEVEL=INFO \
    LOG_JSON=true
RUN groupadd --system --gid 10001 jingzhang \
 && useradd --system --uid 10001 --gid jingzhang --no-create-home --shell /usr/sbin/nologin jingzhang
COPY --from=builder /opt/jingzhang /opt/jingzhang
USER 10001:10001
EXPOSE 8000
# liveness only: readiness (NATS, PostgreSQL, consumers) is for the orchestrator's routing
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request as u; u.urlopen('http://127.0.0.1:' + os.environ.get('HTTP_PORT', '8000') + '/health/live', timeout=2)"]
ENTRYPOINT ["jingzhang"]
CMD ["serve", "assignment"]
