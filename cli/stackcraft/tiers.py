"""The proof tiers, named apart from `prove` so a command line can offer them cheaply."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["TIERS", "Tier"]


class Tier(StrEnum):
    """How far each variant is proved: rendered, validated, smoke-tested, or run as an image."""

    RENDER = "render"
    STATIC = "static"
    SMOKE = "smoke"
    CONTAINER = "container"


TIERS = tuple(tier.value for tier in Tier)
