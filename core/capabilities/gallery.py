"""The gallery: pages, search and collections, private media and history exports behind signed links, and
older images' loading placeholders."""

from core.container import Container
from core.registry import Capability, PeriodicTask, hourly
from core.services.collections import CollectionService
from core.services.gallery import GalleryService
from core.services.history_export import HistoryExportService
from core.services.media import MediaService
from core.signing import ExportSigner
from core.web.export_routes import export_routes
from core.web.media_routes import media_routes


def gallery(c: Container) -> GalleryService:
    return GalleryService(c.db, c.blobs, c.signer, c.settings.gallery_page_size)


def collections(c: Container) -> CollectionService:
    return CollectionService(c.db, max_name_chars=c.settings.max_collection_name_chars)


def media(c: Container) -> MediaService:
    return MediaService(c.db, c.blobs, c.signer)


def exports(c: Container) -> HistoryExportService:
    return HistoryExportService(c.db, c.blobs, ExportSigner(c.media_secret, c.clock), c.clock)


CAPABILITY = Capability(
    name="gallery",
    services={
        GalleryService: gallery,
        CollectionService: collections,
        MediaService: media,
        HistoryExportService: exports,
    },
    routes=(media_routes, export_routes),
    tasks=(
        PeriodicTask(
            "fill placeholders",
            hourly,
            lambda c: c.gallery.fill_placeholders(),
            "Gave %d older images their loading placeholder",
        ),
    ),
)
