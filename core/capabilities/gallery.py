"""The gallery: pages, search and collections, private media and history exports behind signed links, and
older images' loading placeholders."""

from core.container import Container
from core.personal_data import Category, OnErasure, PersonalData, count_rows, delete_rows
from core.ports import PresigningBlobStore
from core.registry import Capability, PeriodicTask
from core.services import erasure_steps
from core.services.collections import CollectionService
from core.services.gallery import GalleryService
from core.services.history_export import HistoryExportService
from core.services.media import MediaService
from core.signing import ExportSigner
from core.web.export_routes import export_routes
from core.web.media_routes import media_routes


def gallery(c: Container) -> GalleryService:
    s = c.settings
    return GalleryService(c.db, c.blobs, c.signer, s.gallery_page_size, c.clock, s.max_image_pixels)


def collections(c: Container) -> CollectionService:
    return CollectionService(c.db, max_name_chars=c.settings.max_collection_name_chars)


def media(c: Container) -> MediaService:
    # Settings allow MEDIA_REDIRECT only with S3 and without encryption at rest, so the store can presign.
    redirect = c.blobs if c.settings.media_redirect and isinstance(c.blobs, PresigningBlobStore) else None
    return MediaService(c.db, c.blobs, c.signer, redirect, c.settings.media_redirect_seconds)


def exports(c: Container) -> HistoryExportService:
    return HistoryExportService(c.db, c.blobs, ExportSigner(c.media_secret, c.clock), c.clock)


FAL = "fal.ai: prompts and images only"
PERSONAL_DATA = (
    PersonalData(
        "table:collection_images",
        Category.CREATIONS,
        "Which of your images each collection holds",
        "profile.json",
        OnErasure.DELETE,
        10,
        erasure_steps.delete_collection_places,
        owner_columns=(),  # owned through the collection and the image
    ),
    PersonalData(
        "table:collections",
        Category.CREATIONS,
        "Your collections' names",
        "profile.json",
        OnErasure.DELETE,
        12,
        delete_rows("collections"),
        count_rows("collections"),
    ),
    PersonalData(
        erasure_steps.USER_BLOBS,
        Category.CREATIONS,
        "Your images' files: originals, previews and thumbnails",
        "images/",
        OnErasure.DELETE,
        30,
        erasure_steps.owe_image_files,
        processors=(FAL,),
    ),
)

# A job's worker makes its images' previews as soon as they are shown; this catches one that stopped first.
PREVIEWS_SECONDS = 60.0

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
            "make missing previews",
            lambda _settings: PREVIEWS_SECONDS,
            lambda c: c.gallery.fill_placeholders(),
            "Made the previews or loading placeholders of %d images",
        ),
    ),
    personal_data=PERSONAL_DATA,
)
