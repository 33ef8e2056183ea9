"""Writes the NATS accounts and permissions (`auth.conf`) and the Helm values embedding them.

Run `python deploy/nats/generate.py` after adding a projection; `tests/deploy` fails until the
committed files equal this output. The committed files are for the default of one partition
(`PARTITIONS=1`: no partitioned copies, the consumers on the service streams); a deployment whose
replicas share the projections (e.g. `PARTITIONS=8`: partitioned copies `JZ_<SERVICE>_P8`) writes its
own with `python deploy/nats/generate.py --partitions 8`.

NATS permissions match whole subject tokens, so a durable consumer cannot be allowed by a name
prefix (`appeals__*` is not a wildcard): every consumer a service may use is listed by its exact
name, taken from the projections in the services' composition roots. Passwords are `$VARIABLES`
that nats-server resolves from its environment; no secret is ever written here.
"""

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

from jingzhang.app.services import SERVICES, app_factory
from jingzhang.shared.durables import declared
from jingzhang.shared.partitions import PARTITIONS, direct
from jingzhang.shared.runtime import inbox_prefix
from jingzhang.shared.streams import partitioned_stream_name, stream_name
from jingzhang.shared.watermark import watermark_subject

HERE = Path(__file__).resolve().parent
AUTH_CONF = HERE / "auth.conf"
HELM_VALUES = HERE.parent / "helm" / "nats-values.yaml"
ACCOUNT = "JZ"
# Replies (JetStream API answers, publish acks, pull deliveries) arrive on `<inbox prefix>.<nuid>`.
# Each service connects with its own prefix (`shared.runtime.inbox_prefix`), so it may subscribe to
# its own replies only and can never read another service's; the external user's prefix is
# `_INBOX_external` (docs/subscribers.md); the operators' CLI keeps the default `_INBOX`.
INBOX = "_INBOX.>"


def inbox(user: str) -> str:
    return f"{inbox_prefix(user)}.>"


Consumer = tuple[str, str]  # (stream, durable name)


def service_consumers(partitions: int = PARTITIONS) -> dict[str, list[Consumer]]:
    """Every durable consumer each service creates, from its composition root: its consumer group's,
    one per source and partition, on the source's partitioned copy, or with one partition on the
    source's service stream (see `shared/consumer.py`)."""
    found: dict[str, list[Consumer]] = {}
    for service in SERVICES:
        runtime = app_factory(service)().state.runtime
        found[service] = sorted((d.stream, d.name) for d in declared(service, runtime.projections, partitions))
    return found


def password_variable(user: str) -> str:
    return f"JZ_NATS_{user.upper()}_PASSWORD"


def consumer_subjects(stream: str, durable: str) -> list[str]:
    """What a client needs to create, inspect and pull from one durable consumer, and ack."""
    api = "$JS.API.CONSUMER"
    return [
        f"{api}.CREATE.{stream}.{durable}",
        f"{api}.CREATE.{stream}.{durable}.>",  # newer clients put the filter subject in the name
        f"{api}.DURABLE.CREATE.{stream}.{durable}",  # nats-py 2.16 for a durable without `name`
        f"{api}.INFO.{stream}.{durable}",
        f"{api}.MSG.NEXT.{stream}.{durable}",
        f"$JS.ACK.{stream}.{durable}.>",
    ]


def service_permissions(
    service: str, consumers: Iterable[Consumer], partitions: int = PARTITIONS
) -> dict[str, dict[str, list[str]]]:
    consumers = list(consumers)
    copies = not direct(partitions)
    publish = [
        f"jz.{service}.evt.>",  # its own events, through the relay
        f"$JS.API.STREAM.INFO.{stream_name(service)}",  # start-up check and relay lag
        watermark_subject(service),  # how far its relay has come (shared/watermark.py)
    ]
    if copies:  # the relay's copy watch (shared/copy_watch.py): looks at its copy, steps a stalled one's leader down
        publish.append(f"$JS.API.STREAM.LEADER.STEPDOWN.{partitioned_stream_name(service, partitions)}")
    for stream, durable in consumers:
        publish += consumer_subjects(stream, durable)
    read = {stream for stream, _ in consumers}
    sources = [s for s in SERVICES if (partitioned_stream_name(s, partitions) if copies else stream_name(s)) in read]
    subscribe = [inbox(service)]
    for source in sources:  # is an id it does not know nobody's? (`Runtime.caught_up`)
        subscribe.append(watermark_subject(source))
        if copies:  # and has the copy sourced what the watermark names?
            copy = partitioned_stream_name(source, partitions)
            publish += [f"$JS.API.STREAM.INFO.{copy}", f"$JS.API.STREAM.MSG.GET.{copy}"]
    if copies and service not in sources:
        publish.append(f"$JS.API.STREAM.INFO.{partitioned_stream_name(service, partitions)}")
    return {"publish": {"allow": publish}, "subscribe": {"allow": subscribe}}


def external_permissions(protected: Iterable[str]) -> dict[str, dict[str, list[str]]]:
    """Read-only: own consumers on the event streams, never an event and never a service's consumer.

    `*` matches only a whole token, so each stream is named (`JZ_*` would be a literal name).
    """
    api = "$JS.API"
    allow = [f"{api}.INFO", f"{api}.STREAM.NAMES"]
    for stream in (stream_name(s) for s in SERVICES):
        allow += [
            f"{api}.STREAM.INFO.{stream}",
            f"{api}.CONSUMER.CREATE.{stream}",  # an ephemeral consumer
            f"{api}.CONSUMER.CREATE.{stream}.*",
            f"{api}.CONSUMER.CREATE.{stream}.*.>",
            f"{api}.CONSUMER.DURABLE.CREATE.{stream}.*",
            f"{api}.CONSUMER.INFO.{stream}.*",
            f"{api}.CONSUMER.DELETE.{stream}.*",
            f"{api}.CONSUMER.NAMES.{stream}",
            f"{api}.CONSUMER.MSG.NEXT.{stream}.*",
            f"$JS.ACK.{stream}.*.>",
        ]
    deny = ["jz.>"]
    for durable in protected:
        deny += [
            f"{api}.CONSUMER.*.*.{durable}",  # CREATE, INFO, DELETE
            f"{api}.CONSUMER.*.*.{durable}.>",  # CREATE with a filter subject
            f"{api}.CONSUMER.*.*.*.{durable}",  # MSG.NEXT, DURABLE.CREATE
            f"$JS.ACK.*.{durable}.>",  # forged acks would make a service skip events
        ]
    return {"publish": {"allow": allow, "deny": deny}, "subscribe": {"allow": [inbox("external")], "deny": ["jz.>"]}}


OPS_PERMISSIONS = {
    # provision, replay, republish, events tail: the operators' CLI, never a running service
    "publish": {"allow": ["$JS.API.>", "$JS.ACK.>", "jz.*.evt.>"]},
    "subscribe": {"allow": [INBOX, "jz.>"]},
}


CONSOLE_PERMISSIONS = {
    # the web console: follows the services' events as they pass (a core subscription, no consumer) so
    # open pages refresh; it publishes nothing and reads data only through the services' HTTP APIs
    "publish": {"deny": [">"]},
    "subscribe": {"allow": ["jz.*.evt.>"]},
}


def _user(name: str, permissions: dict[str, dict[str, list[str]]]) -> list[str]:
    lines = [f"      {{ user: {name}, password: ${password_variable(name)}, permissions: {{"]
    for direction, rules in permissions.items():
        lines.append(f"        {direction}: {{")
        for kind, subjects in rules.items():
            lines.append(f"          {kind}: [")
            lines += [f'            "{s}"' for s in subjects]
            lines.append("          ]")
        lines.append("        }")
    lines.append("      }}")
    return lines


def render_auth(consumers: dict[str, list[Consumer]], partitions: int = PARTITIONS) -> str:
    protected = [durable for found in consumers.values() for _, durable in found]
    lines = [
        "# GENERATED by deploy/nats/generate.py from the services' projections: do not edit by hand.",
        "# One user per service (publishes only its own events, uses only its own durable consumers),",
        "# `ops` for the operators' CLI, `external` read-only for subscribing government systems,",
        "# `console` for the web console's live pages (subscribe to events only).",
        "# Passwords come from the server's environment (JZ_NATS_<USER>_PASSWORD).",
        "accounts {",
        f"  {ACCOUNT}: {{",
        "    jetstream: enabled",
        "    users: [",
    ]
    for service in SERVICES:
        lines += _user(service, service_permissions(service, consumers[service], partitions))
    lines += _user("ops", OPS_PERMISSIONS)
    lines += _user("external", external_permissions(protected))
    lines += _user("console", CONSOLE_PERMISSIONS)
    lines += ["    ]", "  }", "}", ""]
    return "\n".join(lines)


def render_helm_values(auth: str) -> str:
    embedded = "\n".join(f"        {line}" if line else "" for line in auth.splitlines())
    env = "\n".join(
        f"    {password_variable(user)}:\n      valueFrom:\n        secretKeyRef: {{name: jz-nats-users, key: {user}}}"
        for user in (*SERVICES, "ops", "external", "console")
    )
    return HELM_TEMPLATE.format(auth=embedded, env=env)


HELM_TEMPLATE = """\
# GENERATED by deploy/nats/generate.py: values for the official NATS Helm chart (nats/nats 1.x).
#   helm upgrade --install nats nats/nats -f deploy/helm/nats-values.yaml
# A 3-node JetStream cluster on file storage; the `jingzhang provision --replicas 3` Job then
# creates the four streams with three replicas each. The Secret `jz-nats-users` (one key per user)
# is created by operations, never committed.
config:
  cluster:
    enabled: true
    replicas: 3
  jetstream:
    enabled: true
    fileStore:
      enabled: true
      dir: /data
      pvc:
        enabled: true
        size: 20Gi
    merge:
      # an acknowledged publish is on disk on every replica before the ack
      sync_interval: always
  merge:
    max_payload: << 1MB >>
    $include: auth.conf
configMap:
  merge:
    data:
      auth.conf: |
{auth}
container:
  image:
    tag: 2.15.1-alpine
  env:
{env}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--partitions", type=int, default=PARTITIONS, help=f"the deployment's PARTITIONS (default {PARTITIONS})"
    )
    partitions = parser.parse_args().partitions
    if not 1 <= partitions <= 64:
        parser.error("--partitions must be between 1 and 64")
    auth = render_auth(service_consumers(partitions), partitions)
    AUTH_CONF.write_text(auth)
    HELM_VALUES.write_text(render_helm_values(auth))
    sys.stdout.write(f"wrote {AUTH_CONF} and {HELM_VALUES}\n")


if __name__ == "__main__":
    main()
