"""Settings for a developer's machine (ENVIRONMENT=local): debug pages, and the admin is
served by the API process too, at ADMIN_URL.
"""

# Settings modules override their base's values by design.
# pyright: reportConstantRedefinition=false

from .base import *  # noqa: F403 - a settings module extends its base
from .base import expect_environment

expect_environment("local")

DEBUG = True
ADMIN_WITH_API = True
