"""Scraping a running app's `/metrics` and reading one sample from it."""

import httpx
from prometheus_client.parser import text_string_to_metric_families

Labels = dict[str, str]
Series = tuple[str, frozenset[tuple[str, str]]]


async def scrape(client: httpx.AsyncClient) -> dict[str, list[tuple[Labels, float]]]:
    """Every sample by its name (`..._total`, `..._count` included), with its labels."""
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    samples: dict[str, list[tuple[Labels, float]]] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((dict(sample.labels), sample.value))
    return samples


def value(samples: dict[str, list[tuple[Labels, float]]], name: str, **labels: str) -> float:
    """The sum of `name`'s samples whose labels include `labels` (0 when there is none)."""
    return sum(v for found, v in samples.get(name, []) if labels.items() <= found.items())


async def series(client: httpx.AsyncClient) -> list[Series]:
    """Every sample's series (name and label set) in exposition order, repeats included."""
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    return [
        (sample.name, frozenset(sample.labels.items()))
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    ]
