"""Fixtures of the integration tests that more than one module uses."""

from tests.integration.job_machines import machine_database

__all__ = ["machine_database"]
