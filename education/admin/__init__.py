"""Staff admin of the education app, one module per subject (each registers its models)."""

from education.admin import (
    content,  # noqa: F401
    reports,  # noqa: F401
)
