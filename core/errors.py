"""Domain errors. Every message is written for the person using the app."""

from __future__ import annotations

from core.text import plural


class AtelierError(Exception):
    """Base class: the message is safe to show to the user."""


class ValidationError(AtelierError):
    """The input is not acceptable; nothing was charged or stored."""


class InsufficientCreditsError(AtelierError):
    def __init__(self, needed: int, balance: int) -> None:
        super().__init__(f"This needs {plural(needed, 'credit')}, and your balance is {balance}.")
        self.needed = needed
        self.balance = balance


class TooManyJobsError(AtelierError):
    """The user already has as many jobs queued or running as one person may; nothing was charged."""

    def __init__(self, limit: int) -> None:
        running = "1 job" if limit == 1 else f"{limit} jobs"
        super().__init__(f"You have {running} running. Wait for one to finish or cancel one.")
        self.limit = limit


class NotFoundError(AtelierError):
    """The thing does not exist, or the acting user may not see it (we do not say which)."""


class DuplicateKeyError(AtelierError):
    """A unique key is taken: the row was written already, or a rival transaction wrote it first. The database
    layer raises it in place of the driver's error; each service says what it means for the person."""

    def __init__(self) -> None:
        super().__init__("This was saved already. Reload the page to see it.")


class UploadError(ValidationError):
    """An uploaded file was refused."""


class EngineError(AtelierError):
    """The image engine failed. The job's hold is released."""


class EngineRetryableError(EngineError):
    """A passing failure (a 5xx, a timeout, a refused connection): worth trying again, within a budget.

    `taken` says whether a submit may have reached the engine: False only when the engine
    surely did not take it (it answered with an error, or the connection was never made), so
    sending again cannot make a second job.
    """

    def __init__(self, message: str, *, taken: bool = True) -> None:
        super().__init__(message)
        self.taken = taken


class EngineInputError(ValidationError):
    """The engine cannot carry out this request (for example an instruction it does not understand)."""


class EngineJobLostError(EngineError):
    """The engine no longer knows the job (for example its queue was lost)."""


class BlobNotFoundError(AtelierError):
    """No stored object under that key."""


class BlobStoreError(AtelierError):
    """The blob store could not be reached, or refused a request (credentials, bucket, network)."""


class BlobTamperedError(AtelierError):
    """A stored object failed its integrity check (altered, cut short, or put under another key): nothing of it
    is returned, rather than bytes that are not what was stored."""


class ConfigurationError(AtelierError):
    """Settings that must not be used together, or a missing secret."""


class PermissionDeniedError(AtelierError):
    """The acting user's role does not allow this; nothing was changed."""


class SessionEndedError(AtelierError):
    """The browser still holds a sign-in, but it no longer counts; `reason` says why, for the sign-in screen."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class PaymentError(AtelierError):
    """A payment provider could not do what we asked (open a checkout, look one up, cancel a plan).
    Nothing was charged by us; the message says what the person can do."""


class WebhookRejectedError(Exception):
    """A webhook whose signature, timestamp or shape we refuse: answered 400, nothing changes.
    Not an AtelierError: its message is for the log, never for a person."""


class MalformedEventError(WebhookRejectedError):
    """A well-signed webhook whose content we refuse (a missing id, a negative amount, text where a number
    belongs): answered 400, recorded once for admins, and nothing else changes. Every attribute is in our own
    words or checked to be a safe id, never the payload's text, so all of it may be logged and shown."""

    def __init__(self, reason: str, *, event_id: str = "", type: str = "", key: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.event_id = event_id  # the provider's event id if it is a safe one, else ""
        self.type = type  # the provider's event type if it is a safe one, else ""
        self.key = key or event_id  # what makes a provider's retry the same event: its id, or a digest of the body


class InvalidPaymentEventError(ValueError):
    """A PaymentEvent that breaks its own rules (a negative amount, an id with characters we do not keep).
    The message names the field and the rule, never the value."""


class MailError(AtelierError):
    """The mail server refused a message or could not be reached; the outbox tries again later."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent  # a 5xx refusal of this recipient: trying again will not help
