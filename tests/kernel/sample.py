"""The kernel's sample aggregate lives in `jingzhang.shared.testing.sample`, shared with bench/."""

from jingzhang.shared.testing.sample import (
    AGGREGATE,
    REGISTRY,
    SERVICE,
    T0,
    V1_REGISTRY,
    Noted,
    Tallied,
    TalliedV1,
    expected_digest,
    meta,
    noted,
    tally,
)

__all__ = [
    "AGGREGATE",
    "REGISTRY",
    "SERVICE",
    "T0",
    "V1_REGISTRY",
    "Noted",
    "Tallied",
    "TalliedV1",
    "expected_digest",
    "meta",
    "noted",
    "tally",
]
