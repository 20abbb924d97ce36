"""Settings for a developer's machine (ENVIRONMENT=local): debug pages, and the admin is
served by the API process too, at ADMIN_URL.
"""

# Settings modules override their base's values by design.
# pyright: reportConstantRedefinition=false

from .base import *  # noqa: F403 - a settings module extends its base
from .base import NOT_FOR_THE_API, SILENCED_SYSTEM_CHECKS, expect_environment, middleware

expect_environment("local")

DEBUG = True
ADMIN_WITH_API = True
MIDDLEWARE = middleware(admin=True)
# This process serves the admin: its checks apply.
SILENCED_SYSTEM_CHECKS = [check for check in SILENCED_SYSTEM_CHECKS if check not in NOT_FOR_THE_API]
