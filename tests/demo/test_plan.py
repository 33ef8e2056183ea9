"""The demo's plan, pure: what `up --demo` adds when it starts the local notification sinks."""

from jingzhang.app.demo import build_plan

SINKS = "http://127.0.0.1:8120"


def test_with_the_sinks_each_enterprise_group_is_registered_right_after_the_enterprise() -> None:
    plain, with_sinks = build_plan(2025), build_plan(2025, group_sinks=SINKS)
    registered = [c.body["enterprise_id"] for c in plain.commands() if c.path == "/enterprises"]
    chains = [chain for step in with_sinks.steps for chain in step.chains]
    robots = [chain for chain in chains if chain[-1].path == "/group-webhooks"]

    assert [chain[0].body["enterprise_id"] for chain in robots] == registered
    for chain in robots:
        enterprise = chain[0].body["enterprise_id"]
        assert chain[0].path == "/enterprises"
        assert chain[-1].service == "notifications"
        assert chain[-1].body == {
            "enterprise_id": enterprise,
            "webhook_url": f"{SINKS}/cgi-bin/webhook/send?key={enterprise}",
        }
        assert "not_yet_known" in chain[-1].retry
    assert with_sinks.counts()["notifications"] == len(registered)
    assert "notifications" not in plain.counts()


def test_without_the_sinks_the_plan_is_what_the_four_services_are_sent() -> None:
    assert build_plan(2025).digest() == build_plan(2025).digest() != build_plan(2025, group_sinks=SINKS).digest()
