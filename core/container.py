"""The container: the adapters the composition root chose from settings, and every capability's services, each
built the first time it is asked for, by the factory its capability registered (core/capabilities/)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from core.clock import Clock
from core.errors import ConfigurationError
from core.ports import BlobStore, Doorbell, ImageEngine, PaymentProvider
from core.services.accounts import AccountService
from core.services.admin import AdminService
from core.services.billing import BillingService
from core.services.collections import CollectionService
from core.services.credits import CreditService
from core.services.gallery import GalleryService
from core.services.generation import GenerationService
from core.services.history_export import HistoryExportService
from core.services.jobs import JobRunner
from core.services.local_sessions import LocalSessions
from core.services.media import MediaService
from core.settings import Settings
from core.shortcuts import Shortcut
from core.signing import MediaSigner
from db.uow import Database

T = TypeVar("T")
ServiceFactory = Callable[["Container"], object]


class Container:
    # Shortcuts to the services pages and routes use everywhere; any service is also `container.of(Kind)`.
    accounts = Shortcut(AccountService)
    admin = Shortcut(AdminService)
    billing = Shortcut(BillingService)
    credits = Shortcut(CreditService)
    generation = Shortcut(GenerationService)
    gallery = Shortcut(GalleryService)
    collections = Shortcut(CollectionService)
    media = Shortcut(MediaService)
    exports = Shortcut(HistoryExportService)
    jobs = Shortcut(JobRunner)
    local_sessions = Shortcut(LocalSessions)

    def __init__(
        self,
        *,
        settings: Settings,
        db: Database,
        clock: Clock,
        engine: ImageEngine,
        engine_notice: str,
        media_secret: bytes,
        blobs: BlobStore,
        payments: Mapping[str, PaymentProvider],
        factories: Mapping[type[Any], ServiceFactory],
        withheld: BlobStore,
        doorbell: Doorbell,
    ) -> None:
        self.settings, self.db, self.clock = settings, db, clock
        self.engine = engine
        self.engine_notice = engine_notice  # said on the Generate page: e.g. fal.ai was chosen but has no key
        self.media_secret = media_secret  # signs media links, cookies and the fal webhook address
        self.blobs = blobs
        # What the safety check withheld, kept apart from the media until a person reviews it.
        self.withheld = withheld
        self.payments = dict(payments)
        self.doorbell = doorbell  # rung when a job is waiting, so a worker starts on it at once
        self.signer = MediaSigner(media_secret, settings.media_url_ttl_seconds, clock)
        self._factories = dict(factories)
        self._services: dict[type[Any], object] = {}
        self._lock = threading.RLock()  # a service's factory may ask for another

    def of(self, kind: type[T]) -> T:
        """The one service of this kind in this process, built the first time it is asked for."""
        found = self._services.get(kind)
        if found is None:
            with self._lock:
                found = self._services.get(kind)
                if found is None:
                    factory = self._factories.get(kind)
                    if factory is None:
                        raise ConfigurationError(f"No capability provides {kind.__name__}.")
                    found = self._services[kind] = factory(self)
        if not isinstance(found, kind):
            raise ConfigurationError(f"The factory for {kind.__name__} made a {type(found).__name__}.")
        return found

    def build_all(self) -> None:
        """Build every registered service now, so a broken setting or catalogue stops the start, not a page."""
        for kind in self._factories:
            self.of(kind)
