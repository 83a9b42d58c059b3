"""Block coordinate descent methods for composite problems f + sum_i g_i(x_i)."""

from .bcd import BCDOptions, BlockCoordinateDescent

__all__ = ["BlockCoordinateDescent", "BCDOptions"]
