"""Email: what a message is about, and which messages a user's choices let us send.

Every message carries a purpose:
- LEGAL: the law requires it (an erasure scheduled or done, an extended deadline, a policy change, the warning
  before an inactive account is erased). Sent regardless of the user's choices and restriction, and it says so.
- ACCOUNT: about the user's own requests and choices (request received or completed, a consent change). Not sent
  while processing is restricted: restriction means we do nothing with their data that the law does not require.
- PRODUCT: news about the product. Only with the product-email consent, and never while restricted. The app
  sends none today; the rule is here so that the first one cannot forget it.
"""

from __future__ import annotations

from enum import StrEnum

from core.domain.privacy import Choices, Purpose


class MessagePurpose(StrEnum):
    LEGAL = "legal"
    ACCOUNT = "account"
    PRODUCT = "product"


class MessageKind(StrEnum):
    ERASURE_SCHEDULED = "erasure_scheduled"
    ERASURE_DONE = "erasure_done"
    REQUEST_RECEIVED = "request_received"
    REQUEST_EXTENDED = "request_extended"
    REQUEST_COMPLETED = "request_completed"
    RETENTION_WARNING = "retention_warning"
    POLICY_CHANGE = "policy_change"
    CONSENT_CHANGED = "consent_changed"


PURPOSES: dict[MessageKind, MessagePurpose] = {
    MessageKind.ERASURE_SCHEDULED: MessagePurpose.LEGAL,
    MessageKind.ERASURE_DONE: MessagePurpose.LEGAL,
    MessageKind.REQUEST_EXTENDED: MessagePurpose.LEGAL,
    MessageKind.POLICY_CHANGE: MessagePurpose.LEGAL,
    MessageKind.RETENTION_WARNING: MessagePurpose.LEGAL,
    MessageKind.REQUEST_RECEIVED: MessagePurpose.ACCOUNT,
    MessageKind.REQUEST_COMPLETED: MessagePurpose.ACCOUNT,
    MessageKind.CONSENT_CHANGED: MessagePurpose.ACCOUNT,
}


def allowed(purpose: MessagePurpose, choices: Choices) -> bool:
    """Whether a message of this purpose may be sent to a user with these choices."""
    if purpose == MessagePurpose.LEGAL:
        return True
    if choices.restricted:
        return False
    return purpose == MessagePurpose.ACCOUNT or choices[Purpose.PRODUCT_EMAIL]
