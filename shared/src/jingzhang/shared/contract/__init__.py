"""The public contract: JSON Schemas per event type and version, one AsyncAPI 3 document, each service's
OpenAPI document, and the compatibility rules that keep them from breaking subscribers and callers.
See docs/subscribers.md."""

from jingzhang.shared.contract.compat import Breach, breaches
from jingzhang.shared.contract.export import ContractBroken, export

__all__ = ["Breach", "ContractBroken", "breaches", "export"]
