"""Access and portability: the privacy centre's download of everything held about a user, behind a signed,
expiring link. It owns no table (personal_data is empty): it reads what the other capabilities declare."""

from core.container import Container
from core.registry import Capability
from core.services.policies import PolicyService
from core.services.privacy_export import PrivacyExportService
from core.signing import ExportSigner
from core.web.privacy_export_routes import privacy_export_routes


def privacy_export(c: Container) -> PrivacyExportService:
    s = c.settings
    return PrivacyExportService(
        c.db,
        c.blobs,
        ExportSigner(c.media_secret, c.clock),
        c.clock,
        region=s.data_region,
        policy_version=c.of(PolicyService).current_version,
    )


CAPABILITY = Capability(
    name="privacy_export",
    services={PrivacyExportService: privacy_export},
    routes=(privacy_export_routes,),
    personal_data=(),
)
