"""The privacy centre's erasure section on its own page, so its AppTest does not depend on the other sections."""

from pages.components import privacy_erasure
from pages.components.guard import require_user

privacy_erasure.render(require_user())
