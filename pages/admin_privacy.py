"""Admin → Privacy queue: every privacy request sorted by deadline, "Overdue" and "Due in N days" said in words;
log a request received by email or post; open one (a staff read, audited) and act on it; download the queue and
the consent records as CSV for auditors (each download audited)."""

from __future__ import annotations

import streamlit as st

from core.bootstrap import app_container
from core.domain import Role
from core.services.privacy_queue import PrivacyQueueService
from pages.components import admin_privacy_actions, admin_privacy_log, admin_privacy_queue
from pages.components.guard import require_user

admin = require_user(Role.ADMIN)
service = app_container().of(PrivacyQueueService)

st.title("Privacy queue")
st.caption(
    f"Requests are due {service.response_days} days after they arrive, or {service.urgent_hours} hours when urgent "
    "(a security matter). An extension may add up to two months, with a reason the user reads."
)
admin_privacy_log.log_form(service, admin)
items = admin_privacy_queue.table(service, admin)
chosen = admin_privacy_queue.choose(items)
if chosen is not None:
    admin_privacy_actions.render(service, admin, chosen)
st.divider()
admin_privacy_log.auditor_downloads(admin)
