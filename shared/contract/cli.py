"""The hook for `jingzhang contract export` (wired into `jingzhang.shared.cli`)."""

from pathlib import Path

from jingzhang.shared.contract.export import export as _export

DEFAULT_TARGET = Path("contract")


def export(target: Path = DEFAULT_TARGET) -> list[Path]:
    """Export the event contract into `target`; raises `ContractBroken` on an incompatible change."""
    return _export(target)
