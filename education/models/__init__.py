"""Learning content (articles, topics, quizzes, progress) and monthly health reports.

Each subject lives in its own module and lists its models in ``__all__``."""

from education.models.content import *  # noqa: F403
from education.models.reports import *  # noqa: F403
