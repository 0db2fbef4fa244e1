"""Privacy: the privacy centre's service (what we hold, consents and the restriction, corrections, the user's
requests), and the map's entries for the consents and the privacy requests themselves."""

from core.container import Container
from core.personal_data import Category, OnErasure, PersonalData, count_rows, delete_rows
from core.registry import Capability, personal_data_map
from core.services.policies import PolicyService
from core.services.privacy import PrivacyService
from db.repositories.privacy_requests import PrivacyRequestRepository


def privacy(c: Container) -> PrivacyService:
    return PrivacyService(
        c.db,
        c.clock,
        personal_data_map(),
        policy_version=c.of(PolicyService).current_version,
        data_region=c.settings.data_region,
        response_days=c.settings.privacy_response_days,
    )


CAPABILITY = Capability(
    name="privacy",
    services={PrivacyService: privacy},
    personal_data=(
        PersonalData(
            store="table:consents",
            category=Category.CONSENTS,
            holds="Every change of your privacy choices: what, which way, when, under which policy version",
            export="consents.csv",
            on_erasure=OnErasure.DELETE,
            step=10,
            erase=delete_rows("consents"),
            count=count_rows("consents"),
        ),
        PersonalData(
            store="table:privacy_requests",
            category=Category.REQUESTS,
            holds="The rights you exercised, your requests in your own words, and our answers",
            export="privacy_requests.csv",
            on_erasure=OnErasure.PSEUDONYMISE,
            step=10,
            erase=lambda ctx: ctx.uow.of(PrivacyRequestRepository).pseudonymise(ctx.user_id),
            count=count_rows("privacy_requests"),
            reason="The record that an erasure was asked for and carried out stays under its reference, with "
            "nothing that names you: it shows we did what you asked. Your other requests are deleted.",
        ),
    ),
)
