"""Make more from one image: Vary, Vary subtly, Upscale and Vary region.

A fill's mask is kept under the user's blob prefix (core/services/job_masks.py), which the gallery capability's
"blobs:u{user}/" entry already exports from and erases with the account; it needs no store of its own.
"""

from core.container import Container
from core.registry import Capability
from core.services.generation import GenerationService
from core.services.variations import VariationService


def variations(c: Container) -> VariationService:
    return VariationService(c.db, c.blobs, c.of(GenerationService))


CAPABILITY = Capability(name="variations", services={VariationService: variations})
