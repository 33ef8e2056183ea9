"""deploy/monitoring: promtool checks the scrape configs and the alert rules and runs the alerts' unit
tests; every metric the alerts and the dashboard read is one a service exports; the scrape targets are
the services' own (the local ports, the headless Services of deploy/k8s).

promtool comes from Debian's `prometheus` package (`.ci/run` installs it). Without it these tests
fail: a skipped check would let a broken config through CI unnoticed.
"""

import importlib
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from jingzhang.app.services import SERVICES
from tests.deploy.conftest import DEPLOY, ROOT
from tests.deploy.test_kubernetes import container, find

MONITORING = DEPLOY / "monitoring"
CONFIGS = ("prometheus.yml", "prometheus-k8s.yml")
DASHBOARD = MONITORING / "grafana" / "jingzhang.json"
METRIC = re.compile(r"\b(?:jingzhang|process)_[a-z_]+\b")
GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$service": ".*"}
SAMPLE_SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "summary": ("_count", "_sum")}
MUST_ALERT_ON = {
    "JingzhangConsumerLagHigh": "jingzhang_consumer_lag",
    "JingzhangEventsParked": "jingzhang_parked_events",
    "JingzhangRelayBacklogGrowing": "jingzhang_relay_backlog",
    "JingzhangAppealsPastTimeLimit": "jingzhang_appeals_past_time_limit",
    "JingzhangDutiesOverdue": "jingzhang_patrols_duties_overdue",
    "JingzhangServiceNotReady": "jingzhang_ready",
}


def promtool(*args: str, cwd: Path = MONITORING) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("promtool")
    assert binary, "promtool is missing: apt-get install -y prometheus (Debian's package ships it)"
    return subprocess.run([binary, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def rules() -> list[dict[str, Any]]:
    document = yaml.safe_load((MONITORING / "alerts.yml").read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return loaded


def panel_queries() -> list[str]:
    """The PromQL of every panel."""
    panels = [p for p in dashboard()["panels"] if p["type"] != "row"]
    return [target["expr"] for panel in panels for target in panel["targets"]]


def variable_queries() -> list[str]:
    """Grafana's own queries of the dashboard's variables (`label_values(...)`, not PromQL)."""
    return [v["definition"] for v in dashboard()["templating"]["list"] if v["type"] == "query"]


def exported_metrics() -> set[str]:
    """Every sample name the four services' registries expose, read from the exposition of built apps."""
    names: set[str] = set()
    for service in SERVICES:
        app = importlib.import_module(f"jingzhang.{service}.bootstrap").create_app()
        text = generate_latest(app.state.metrics.registry).decode()
        for family in text_string_to_metric_families(text):
            names.update(family.name + suffix for suffix in SAMPLE_SUFFIXES.get(family.type, ("",)))
    return names


class TestPromtool:
    @pytest.mark.parametrize("config", CONFIGS)
    def test_the_scrape_config_is_valid_with_its_rules(self, config: str) -> None:
        checked = promtool("check", "config", config)

        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "1 rule files found" in checked.stdout

    def test_the_alert_rules_are_valid(self) -> None:
        checked = promtool("check", "rules", "alerts.yml")

        assert checked.returncode == 0, checked.stdout + checked.stderr

    def test_the_alerts_fire_as_their_unit_tests_expect(self) -> None:
        tested = promtool("test", "rules", "alerts.test.yml")

        assert tested.returncode == 0, tested.stdout + tested.stderr

    def test_promtool_refuses_a_broken_rule(self, tmp_path: Path) -> None:
        (tmp_path / "broken.yml").write_text("groups:\n- name: x\n  rules:\n  - alert: X\n    expr: sum(by (\n")

        assert promtool("check", "rules", "broken.yml", cwd=tmp_path).returncode != 0

    def test_every_dashboard_query_is_valid_promql(self, tmp_path: Path) -> None:
        records = []
        for number, query in enumerate(panel_queries()):
            for variable, value in GRAFANA_VARIABLES.items():
                query = query.replace(variable, value)
            records.append({"record": f"dashboard:query_{number}", "expr": query})
        (tmp_path / "dashboard.yml").write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": records}]}))

        checked = promtool("check", "rules", "dashboard.yml", cwd=tmp_path)

        assert checked.returncode == 0, checked.stdout + checked.stderr


class TestMetricNames:
    def test_every_metric_the_alerts_and_the_dashboard_read_is_exported(self) -> None:
        queries = [rule["expr"] for rule in rules()] + panel_queries() + variable_queries()
        read = {name for query in queries for name in METRIC.findall(query)}
        exported = exported_metrics()

        assert read - exported == set(), f"not exported by any service: {sorted(read - exported)}"
        assert {"jingzhang_ready", "process_resident_memory_bytes"} <= read

    def test_the_check_notices_a_name_nobody_exports(self) -> None:
        assert "jingzhang_consumer_lagg" not in exported_metrics()

    def test_the_alerts_cover_what_operators_must_know(self) -> None:
        alerts = {rule["alert"]: rule["expr"] for rule in rules()}

        for alert, metric in MUST_ALERT_ON.items():
            assert metric in METRIC.findall(alerts[alert]), alert

    def test_every_alert_has_a_severity_and_a_summary(self) -> None:
        for rule in rules():
            assert rule["labels"]["severity"] in ("warning", "critical"), rule["alert"]
            assert rule["annotations"]["summary"], rule["alert"]


class TestTargets:
    def test_locally_the_four_services_are_scraped_on_their_ports(self) -> None:
        config = yaml.safe_load((MONITORING / "prometheus.yml").read_text())
        (job,) = config["scrape_configs"]
        targets = {group["labels"]["service"]: group["targets"] for group in job["static_configs"]}
        compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]

        assert set(targets) == set(SERVICES)
        for service, (target,) in targets.items():
            host_port = compose[service]["ports"][0].split(":")[0]
            assert target == f"127.0.0.1:{host_port}"

    def test_in_kubernetes_every_replica_is_found_through_its_service_s_headless_twin(self) -> None:
        config = yaml.safe_load((MONITORING / "prometheus-k8s.yml").read_text())
        (job,) = config["scrape_configs"]
        (discovery,) = job["dns_sd_configs"]
        names = [name.removesuffix(".jingzhang.svc.cluster.local") for name in discovery["names"]]

        assert names == [f"{service}-pods" for service in SERVICES]
        for service in SERVICES:
            headless = find("Service", f"{service}-pods")["spec"]
            deployment = find("Deployment", service)["spec"]
            (port,) = [p for p in container(find("Deployment", service))["ports"] if p["name"] == "http"]
            assert headless["clusterIP"] == "None"
            assert headless["publishNotReadyAddresses"] is True  # a not-ready replica is scraped too
            assert headless["selector"] == deployment["selector"]["matchLabels"]
            assert discovery["port"] == port["containerPort"]
        (relabel,) = [r for r in job["relabel_configs"] if r.get("target_label") == "service"]
        assert re.fullmatch(relabel["regex"], "appeals-pods.jingzhang.svc.cluster.local")
