"""Health: the liveness and readiness routes a load balancer probes (/healthz, /readyz)."""

from core.container import Container
from core.registry import Capability
from core.services.health import ReadinessService
from core.web.health_routes import health_routes
from db.schema import schema_problem_on


def readiness(c: Container) -> ReadinessService:
    return ReadinessService(c.db, c.blobs, lambda: schema_problem_on(c.db.engine))


CAPABILITY = Capability(
    name="health",
    services={ReadinessService: readiness},
    routes=(health_routes,),
)
