"""The studio: pricing, checking and submitting jobs, the runner that follows them to the end, fal's webhook,
and finishing or releasing every job still in flight (a closed tab or a restarted server loses nothing)."""

from core.container import Container
from core.registry import Capability, PeriodicTask
from core.services.generation import GenerationService
from core.services.jobs import JobRunner
from core.web.fal_webhook import fal_webhook_routes


def jobs(c: Container) -> JobRunner:
    s = c.settings
    return JobRunner(
        c.db,
        c.engine,
        c.blobs,
        c.clock,
        timeout_seconds=s.generation_timeout_seconds,
        max_pixels=s.max_image_pixels,
        lease_seconds=s.job_lease_seconds,
        max_send_attempts=s.engine_send_attempts,
        withheld=c.withheld,
    )


def generation(c: Container) -> GenerationService:
    s = c.settings
    return GenerationService(
        c.db,
        c.engine,
        c.blobs,
        c.signer,
        c.jobs,
        c.clock,
        max_upload_bytes=s.max_upload_bytes,
        max_pixels=s.max_image_pixels,
        max_prompt_chars=s.max_prompt_chars,
        notice=c.engine_notice,
    )


CAPABILITY = Capability(
    name="studio",
    services={JobRunner: jobs, GenerationService: generation},
    routes=(fal_webhook_routes,),
    tasks=(
        PeriodicTask(
            "advance jobs in flight",
            lambda settings: settings.worker_interval_seconds,
            lambda c: c.jobs.reconcile(),
        ),
    ),
)
