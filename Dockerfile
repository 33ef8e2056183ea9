# syntax=docker/dockerfile:1
# One image per service, holding the kernel and that service only, running `python -m jingzhang.<service>`:
#   docker build --build-arg SERVICE=appeals -t jingzhang-appeals:0.1.0 .
# The `ops` target adds the application layer, the `jingzhang` CLI (provision, replay, parked,
# republish, privacy erase), for the provisioning job and operators:
#   docker build --target ops -t jingzhang-ops:0.1.0 .
# The `console` target is the web console (jingzhang-console) on the application layer:
#   docker build --target console -t jingzhang-console:0.1.0 .
# Settings come from the environment (NATS_URL, DATABASE_URL, HTTP_HOST, HTTP_PORT, LOG_LEVEL).

ARG SERVICE=assignment

FROM python:3.11.14-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/jingzhang
WORKDIR /src
COPY shared ./shared

# the kernel and one service: a change to another service or to the application layer does not rebuild it
FROM build AS service-build
ARG SERVICE
COPY services/${SERVICE} ./services/${SERVICE}
RUN /opt/jingzhang/bin/pip install ./shared ./services/${SERVICE}

FROM build AS ops-build
COPY services ./services
COPY app ./app
RUN /opt/jingzhang/bin/pip install ./shared ./services/assignment ./services/appeals ./services/patrols ./services/evaluation ./services/notifications ./app

FROM python:3.11.14-slim-bookworm AS runtime
ENV PATH=/opt/jingzhang/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    LOG_LEVEL=INFO \
    LOG_JSON=true
RUN groupadd --system --gid 10001 jingzhang \
 && useradd --system --uid 10001 --gid jingzhang --no-create-home --shell /usr/sbin/nologin jingzhang
USER 10001:10001

FROM runtime AS ops
COPY --from=ops-build /opt/jingzhang /opt/jingzhang
ENTRYPOINT ["jingzhang"]
CMD ["--help"]

# the web console and portal: the application layer plus jingzhang-console (docs/console.md)
FROM ops-build AS console-build
COPY console ./console
RUN /opt/jingzhang/bin/pip install ./console

FROM runtime AS console
ENV CONSOLE_HTTP_HOST=0.0.0.0 \
    CONSOLE_HTTP_PORT=8000
COPY --from=console-build /opt/jingzhang /opt/jingzhang
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/health/live', timeout=2)"]
ENTRYPOINT ["python", "-m", "jingzhang.console"]

# the default target, so last: one service
FROM runtime AS service
ARG SERVICE
ENV JZ_SERVICE=${SERVICE} \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8000
COPY --from=service-build /opt/jingzhang /opt/jingzhang
EXPOSE 8000
# liveness only: readiness (NATS, PostgreSQL, consumers) is for the orchestrator's routing
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request as u; u.urlopen('http://127.0.0.1:' + os.environ.get('HTTP_PORT', '8000') + '/health/live', timeout=2)"]
# an exec-form entry point cannot name the service from the build argument: the shell hands over to
# Python at once (exec), which runs as PID 1 and gets the orchestrator's SIGTERM itself
ENTRYPOINT ["/bin/sh", "-c", "exec python -m \"jingzhang.${JZ_SERVICE}\""]
