"""The offline image engine: local Pillow drawing and editing, not an AI model."""

from core.adapters.offline.engine import OfflineImageEngine

__all__ = ["OfflineImageEngine"]
