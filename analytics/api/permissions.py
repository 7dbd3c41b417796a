"""DRF's side of the one permission policy; the classes live with the other API permissions."""

from nmg_registry.api.permissions import CanReadAggregates

__all__ = ["CanReadAggregates"]
