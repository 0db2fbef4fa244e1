"""The studio: pricing, checking and submitting jobs, the runner that follows them to the end, fal's webhook,
and finishing or releasing every job still in flight (a closed tab or a restarted server loses nothing)."""

from core.container import Container
from core.personal_data import Category, OnErasure, PersonalData, count_rows, delete_rows
from core.registry import Capability
from core.services import erasure_steps
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
        doorbell=c.doorbell,
        check_seconds=s.worker_interval_seconds,
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
        c.doorbell,
        max_upload_bytes=s.max_upload_bytes,
        max_pixels=s.max_image_pixels,
        max_prompt_chars=s.max_prompt_chars,
        notice=c.engine_notice,
        max_jobs_in_flight=s.max_jobs_in_flight,
    )


FAL = "fal.ai: prompts and images only"
PERSONAL_DATA = (
    PersonalData(
        "engine:payloads",
        Category.CREATIONS,
        "fal.ai's stored copies of your jobs' prompts and images (only when payloads are kept)",
        "",
        OnErasure.DELETE,
        32,
        erasure_steps.owe_engine_payloads,
        reason="fal.ai's copies of your prompts and images, deleted at fal.ai; the originals are in the export",
        processors=(FAL,),
    ),
    PersonalData(
        "table:generation_search",
        Category.CREATIONS,
        "The search index of your prompts",
        "",
        OnErasure.DELETE,
        34,
        erasure_steps.hide_from_search,
        reason="a copy of your prompts for search; the prompts themselves are in generations.json",
        owner_columns=("owner",),
    ),
    PersonalData(
        "table:generation_inputs",
        Category.CREATIONS,
        "Which images each edit or combination started from",
        "generations.json, generations.csv",
        OnErasure.DELETE,
        36,
        erasure_steps.delete_job_inputs,
        processors=(FAL,),
        owner_columns=(),  # owned through the job
    ),
    PersonalData(
        "table:images",
        Category.CREATIONS,
        "Your images: sizes, seeds, favourites and where their files are",
        "generations.json, generations.csv, images/",
        OnErasure.DELETE,
        40,
        delete_rows("images"),
        count_rows("images"),
        processors=(FAL,),
    ),
    PersonalData(
        "table:generations",
        Category.CREATIONS,
        "Your jobs: prompts, models, settings, cost and outcome",
        "generations.json, generations.csv",
        OnErasure.DELETE,
        45,
        delete_rows("generations"),
        count_rows("generations"),
        processors=(FAL,),
    ),
)

CAPABILITY = Capability(
    name="studio",
    services={JobRunner: jobs, GenerationService: generation},
    routes=(fal_webhook_routes,),
    personal_data=PERSONAL_DATA,
)
