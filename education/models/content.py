"""Literacy articles, topics, quizzes and reading progress.

An article exists once per language: the Chinese and the English version share a slug, so the
"other-language version" is the row with the same slug and the other language. A quiz belongs to
one language version; progress is counted per slug, so reading either version counts once."""

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

__all__ = ["Topic", "Article", "Quiz", "Question", "Choice", "ArticleRead", "QuizAttempt"]

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


def _is_chinese(language=None):
    return (language or translation.get_language() or settings.LANGUAGE_CODE).startswith("zh")


class Topic(models.Model):
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    ordering = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["ordering", "slug"]

    def __str__(self):
        return self.name_en

    @property
    def name(self):
        return self.name_zh if _is_chinese() else self.name_en

    @property
    def description(self):
        return self.description_zh if _is_chinese() else self.description_en


class ArticleQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def in_language(self, language):
        return self.filter(language=language)


class Article(models.Model):
    """One language version of a literacy article. ``body`` is Markdown written by an editor;
    ``body_html`` is its rendered, sanitised form, written only by the article services."""

    class Level(models.TextChoices):
        BEGINNER = "beginner", _("beginner")
        INTERMEDIATE = "intermediate", _("intermediate")
        ADVANCED = "advanced", _("advanced")

    slug = models.SlugField(_("slug"), max_length=120, help_text=_("Shared by both language versions."))
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=400)
    body = models.TextField(_("body (Markdown)"))
    body_html = models.TextField(_("body (rendered)"), blank=True, editable=False)
    topic = models.ForeignKey(Topic, verbose_name=_("topic"), on_delete=models.PROTECT, related_name="articles")
    level = models.CharField(_("level"), max_length=12, choices=Level.choices, default=Level.BEGINNER)
    reading_minutes = models.PositiveSmallIntegerField(_("reading time (minutes)"), default=1, editable=False)
    is_published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["topic__ordering", "slug", "language"]
        indexes = [models.Index(fields=["language", "is_published"])]
        constraints = [
            models.UniqueConstraint(fields=["slug", "language"], name="article_slug_language_unique"),
            models.CheckConstraint(condition=models.Q(language__in=LANGUAGE_CODES), name="article_language_valid"),
            models.CheckConstraint(
                condition=models.Q(level__in=["beginner", "intermediate", "advanced"]), name="article_level_valid"
            ),
        ]

    def __str__(self):
        return f"{self.slug} [{self.language}]"

    @property
    def html_lang(self):
        """The value for an HTML ``lang`` attribute (BCP 47, not Django's code)."""
        return "zh-Hans" if self.language == "zh-hans" else self.language

    @property
    def other_language(self):
        return next((code for code in LANGUAGE_CODES if code != self.language), self.language)


class Quiz(models.Model):
    """A few questions that check one language version of an article."""

    article = models.OneToOneField(Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="quiz")
    is_published = models.BooleanField(_("published"), default=True)

    class Meta:
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")

    def __str__(self):
        return f"{self.article} quiz"


class Question(models.Model):
    quiz = models.ForeignKey(Quiz, verbose_name=_("quiz"), on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(_("question"), max_length=300)
    explanation = models.TextField(_("explanation shown after answering"))
    ordering = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["quiz", "ordering", "pk"]

    def __str__(self):
        return self.text


class Choice(models.Model):
    question = models.ForeignKey(Question, verbose_name=_("question"), on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(_("answer"), max_length=200)
    is_correct = models.BooleanField(_("correct"), default=False)
    ordering = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("answer choice")
        verbose_name_plural = _("answer choices")
        ordering = ["question", "ordering", "pk"]

    def __str__(self):
        return self.text


class ArticleRead(models.Model):
    """A borrower opened an article (either language version) at least once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="article_reads")
    article_slug = models.SlugField(_("article"), max_length=120)
    first_read_at = models.DateTimeField(_("first read"))

    class Meta:
        verbose_name = _("article read")
        verbose_name_plural = _("articles read")
        constraints = [
            models.UniqueConstraint(fields=["user", "article_slug"], name="article_read_once_per_user"),
        ]

    def __str__(self):
        return f"{self.user_id} read {self.article_slug}"


class QuizAttemptQuerySet(models.QuerySet):
    def for_user(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.filter(user=user)


class QuizAttempt(models.Model):
    """One borrower's answers to one quiz. ``answers`` maps question id to choice id (as strings,
    as JSON keeps them)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts")
    quiz = models.ForeignKey(Quiz, verbose_name=_("quiz"), on_delete=models.CASCADE, related_name="attempts")
    answers = models.JSONField(_("answers"), default=dict)
    score = models.PositiveSmallIntegerField(_("correct answers"), default=0)
    question_count = models.PositiveSmallIntegerField(_("questions"), default=0)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    objects = QuizAttemptQuerySet.as_manager()

    class Meta:
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        ordering = ["-completed_at", "-pk"]
        indexes = [models.Index(fields=["user", "quiz"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__lte=models.F("question_count")), name="quiz_score_in_range"
            ),
        ]

    def __str__(self):
        return f"{self.user_id} {self.quiz_id} {self.score}/{self.question_count}"
