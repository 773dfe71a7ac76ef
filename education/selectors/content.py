"""Reads for literacy content and a borrower's learning progress.

Published content is public; progress and quiz attempts are read only for the person asking.
Every function here does a fixed number of queries, whatever the amount of content."""

import copy
from decimal import Decimal

from django.conf import settings
from django.db.models import Case, CharField, Count, F, IntegerField, Prefetch, Q, Value, When
from django.db.models.signals import post_delete, post_save
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts.models import CreditAccount, RepaymentInstallment
from education.models import Article, ArticleRead, Choice, Question, Quiz, QuizAttempt, Topic
from education.selectors import advice
from portal.process_cache import ProcessCopy

# Searches look at no more than this many characters of the query and return at most this
# many articles: the catalogue is small, and a bounded answer keeps the page fast.
SEARCH_QUERY_MAX_LENGTH = 100
SEARCH_RESULTS_MAX = 50
# Above this share of the limit in use, the dashboard suggests the article on utilisation.
HIGH_UTILISATION = Decimal("0.70")
REPAYMENT_LOOKBACK_DAYS = 365

UTILISATION_ARTICLE = "understanding-utilisation"
REPAYMENT_ARTICLE = "repaying-on-time"

# The catalogue (the published articles, and which of them have a quiz) is the same for every
# borrower and changes only when staff edit it, so each process keeps a copy for the dashboard's
# learning summary (portal.process_cache): any save or delete of an article, quiz or topic gives
# it a new version, and a copy is kept at most CATALOGUE_MAX_AGE seconds anyway.
CATALOGUE_VERSION_KEY = "education:catalogue:version"
CATALOGUE_MAX_AGE = 60


def _language(language=None):
    codes = [code for code, _name in settings.LANGUAGES]
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    return language if language in codes else settings.LANGUAGE_CODE


def _preferred_versions(articles, language):
    """One version per slug, in the order given: the one in ``language`` when it exists, else
    the other. Each gets ``is_fallback`` (True when shown in the other language)."""
    by_slug = {}
    for article in articles:
        current = by_slug.get(article.slug)
        if current is None or (article.language == language and current.language != language):
            by_slug[article.slug] = article
    chosen = list(by_slug.values())
    for article in chosen:
        article.is_fallback = article.language != language
    return chosen


# Within a topic, beginner articles come first.
LEVEL_RANK = Case(
    When(level=Article.Level.BEGINNER, then=Value(0)),
    When(level=Article.Level.INTERMEDIATE, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def _published():
    return (
        Article.objects.published()
        .select_related("topic", "quiz")
        .defer("body", "body_html")  # lists show titles and summaries only
        .alias(level_rank=LEVEL_RANK)
        .order_by("topic__ordering", "topic__slug", "level_rank", "slug", "language")
    )


def _has_quiz(article):
    quiz = getattr(article, "quiz", None)  # a missing reverse one-to-one raises AttributeError
    return quiz is not None and quiz.is_published


def article_url(slug, language=None):
    """The borrower-facing address of an article; with ``language``, of that language version."""
    url = reverse("education:article_detail", kwargs={"slug": slug})
    return f"{url}?{urlencode({'language': language})}" if language else url


def topic_list():
    return Topic.objects.all()


def topic_get(*, slug):
    return get_object_or_404(Topic, slug=slug)


def article_list(*, language=None, topic=None):
    """Published articles, one version per slug, in ``language`` where it exists: copies from
    this process's catalogue (see CATALOGUE_VERSION_KEY), the caller's to mark up."""
    if topic is None:
        articles, _quizzes = _catalogue_get(_language(language))
        return [copy.copy(article) for article in articles]
    published = CATALOGUE.get()["published"]
    return _preferred_versions([copy.copy(a) for a in published if a.topic_id == topic.pk], _language(language))


def article_search(*, query, language=None):
    """Published articles whose title, summary or body contains ``query`` (either language; a
    plain substring match, since Chinese has no spaces between words)."""
    query = (query or "").strip()[:SEARCH_QUERY_MAX_LENGTH]
    if not query:
        return []
    matches = _published().filter(Q(title__icontains=query) | Q(summary__icontains=query) | Q(body__icontains=query))
    return _preferred_versions(matches[: SEARCH_RESULTS_MAX * 2], _language(language))[:SEARCH_RESULTS_MAX]


def article_get_for_slug(*, slug, language=None, include_unpublished=False):
    """The version of article ``slug`` in ``language``, else its other-language version, else
    None. Only published versions unless ``include_unpublished``. The result carries
    ``is_fallback`` and ``other_version`` (the version in the other language, or None)."""
    # The Markdown source stays in the database: pages and the API show the rendered HTML.
    versions = Article.objects.select_related("topic").defer("body").filter(slug=slug)
    if not include_unpublished:
        versions = versions.published()
    versions = list(versions)
    language = _language(language)
    chosen = _preferred_versions(versions, language)
    if not chosen:
        return None
    article = chosen[0]
    article.other_version = next((v for v in versions if v.language != article.language), None)
    return article


def article_detail_get(*, slug, language=None):
    """A published article for its page; a missing or unpublished slug is a 404."""
    article = article_get_for_slug(slug=slug, language=language)
    if article is None:
        raise Http404("No such article.")
    return article


def article_preview_get(*, article_id):
    """Any article, published or not, for staff preview."""
    article = get_object_or_404(Article.objects.select_related("topic"), pk=article_id)
    article.is_fallback = False
    article.other_version = Article.objects.filter(slug=article.slug).exclude(pk=article.pk).first()
    return article


def article_read_slugs(*, user):
    """Slugs of the articles this person has opened."""
    if not user.is_authenticated:
        return set()
    return set(ArticleRead.objects.filter(user=user).values_list("article_slug", flat=True))


def _quiz_queryset():
    return Quiz.objects.select_related("article").prefetch_related(
        Prefetch("questions", queryset=Question.objects.order_by("ordering", "pk")),
        Prefetch("questions__choices", queryset=Choice.objects.order_by("ordering", "pk")),
    )


def quiz_for_article(*, article):
    """The published quiz of this article version, questions and choices loaded, or None."""
    return _quiz_queryset().filter(article=article, is_published=True).first()


def quiz_summary_for_article(*, article):
    """The published quiz of this article version with only what its page shows (its id and
    ``question_count``), in one query; or None. ``quiz_for_article`` loads the questions too."""
    return (
        Quiz.objects.filter(article=article, is_published=True)
        .only("pk")
        .annotate(question_count=Count("questions"))
        .order_by("pk")
        .first()
    )


def quiz_get(*, quiz_id):
    """A published quiz of a published article; anything else is a 404."""
    return get_object_or_404(_quiz_queryset(), pk=quiz_id, is_published=True, article__is_published=True)


def quiz_attempt_get(*, user, attempt_id):
    """One of the person's own attempts; another borrower's (or a guessed id) is a 404."""
    return get_object_or_404(
        QuizAttempt.objects.for_user(user).select_related("quiz__article"),
        pk=attempt_id,
    )


def quiz_attempt_result(*, attempt):
    """Each question with the answer given, the right answer and the explanation."""
    quiz = _quiz_queryset().get(pk=attempt.quiz_id)
    rows = []
    for question in quiz.questions.all():
        choices = list(question.choices.all())
        chosen_id = attempt.answers.get(str(question.pk))
        chosen = next((choice for choice in choices if choice.pk == chosen_id), None)
        rows.append(
            {
                "question": question,
                "chosen": chosen,
                "correct": [choice for choice in choices if choice.is_correct],
                "is_correct": bool(chosen and chosen.is_correct),
                "explanation": question.explanation,
            }
        )
    return {"quiz": quiz, "article": quiz.article, "questions": rows}


def _suggest(*, user, unread, accounts, ledger=None):
    """The next article for this borrower and why, from their situation (see
    learning_summary_get). ``unread`` maps slug to article, in catalogue order."""
    if user.customer_id is not None:
        # The lender's newest change to each line, its real reasons and the line's state.
        from_ledger = advice.ledger_suggestion(user=user, unread=unread, ledger=ledger)
        if from_ledger is not None:
            return from_ledger
        if UTILISATION_ARTICLE in unread:
            if accounts is None:
                accounts = CreditAccount.objects.for_user(user).only("credit_limit", "outstanding_balance")
            for account in accounts:
                limit, balance = account.credit_limit, account.outstanding_balance
                if limit and balance / limit > HIGH_UTILISATION:
                    return unread[UTILISATION_ARTICLE], _("You are using more than %(share)s of your credit limit.") % {
                        "share": f"{HIGH_UTILISATION:.0%}"
                    }
        if REPAYMENT_ARTICLE in unread:
            today = timezone.localdate()
            since = today - timezone.timedelta(days=REPAYMENT_LOOKBACK_DAYS)
            late = (
                RepaymentInstallment.objects.filter(account__customer_id=user.customer_id, due_date__gte=since)
                .filter(
                    Q(status="overdue")
                    | Q(status__in=["scheduled", "partial"], due_date__lt=today)
                    | Q(paid_at__date__gt=F("due_date"))
                )
                .exists()
            )
            if late:
                return unread[REPAYMENT_ARTICLE], _("A repayment of yours was missed or late recently.")
    beginner = next((a for a in unread.values() if a.level == Article.Level.BEGINNER), None)
    if beginner is not None:
        return beginner, _("A good place to start.")
    first = next(iter(unread.values()), None)
    return (first, _("Next in the catalogue.")) if first else (None, "")


def _progress_slugs(*, user):
    """Slugs of the articles read and of those whose quiz was completed, in one query."""
    if not user.is_authenticated:
        return set(), set()
    text = CharField()
    reads = ArticleRead.objects.filter(user=user).annotate(kind=Value("read", text), slug=F("article_slug"))
    quizzes = QuizAttempt.objects.filter(user=user, completed_at__isnull=False).annotate(
        kind=Value("quiz", text), slug=F("quiz__article__slug")
    )
    rows = reads.values_list("kind", "slug").order_by().union(quizzes.values_list("kind", "slug").order_by())
    read, done = set(), set()
    for kind, slug in rows:
        (read if kind == "read" else done).add(slug)
    return read, done


def catalogue_changed(**kwargs):
    """Signal receiver: the catalogue changed, every process must read it again."""
    CATALOGUE.changed()


def catalogue_watch():
    """Connected once by EducationConfig.ready(), so every process (web, worker, shell) marks the
    catalogue stale on a save or delete, whether or not it ever reads the selectors."""
    for sender in (Article, Quiz, Topic):
        post_save.connect(catalogue_changed, sender=sender, dispatch_uid=f"catalogue_changed_save_{sender.__name__}")
        post_delete.connect(
            catalogue_changed, sender=sender, dispatch_uid=f"catalogue_changed_delete_{sender.__name__}"
        )


def _catalogue_load():
    published = list(_published())
    return {
        "published": published,
        "quizzes": {article.slug for article in published if _has_quiz(article)},
        "languages": {},
    }


CATALOGUE = ProcessCopy(key=CATALOGUE_VERSION_KEY, load=_catalogue_load, max_age=CATALOGUE_MAX_AGE)


def _catalogue_get(language):
    """The catalogue in ``language`` (see CATALOGUE_VERSION_KEY): the published articles one
    version per slug, and the slugs with a quiz. One query when this process (re)loads it, none
    otherwise. Callers must not change what it holds."""
    current = CATALOGUE.get()
    if language not in current["languages"]:
        # Copies: _preferred_versions marks each with is_fallback, which depends on the language.
        articles = _preferred_versions([copy.copy(article) for article in current["published"]], language)
        current["languages"][language] = articles
    return current["languages"][language], current["quizzes"]


def learning_summary_get(*, user, language=None, accounts=None, ledger=None):
    """What the borrower has read and practised, and the article to read next:
    the articles behind their latest limit change's reasons first; then, above 70% utilisation,
    the one on utilisation; after a missed or late repayment, the one on repaying on time;
    otherwise the first unread beginner article. ``accounts``, when the caller has already
    loaded the borrower's credit accounts, and ``ledger`` (``advice.ledger_suggestion``), when it
    has read each line's newest ledger row and its reasons, save reading them again. At most four queries (and
    one more when this process reloads the catalogue): the borrower's own figures are always
    read afresh."""
    articles, quizzes_total = _catalogue_get(_language(language))
    slugs = {article.slug for article in articles}
    read, quizzes_done = _progress_slugs(user=user)
    read &= slugs
    quizzes_done &= quizzes_total
    unread = {article.slug: article for article in articles if article.slug not in read}
    suggestion, reason = _suggest(user=user, unread=unread, accounts=accounts, ledger=ledger)
    return {
        "articles_total": len(slugs),
        "articles_read": len(read),
        "quizzes_total": len(quizzes_total),
        "quizzes_done": len(quizzes_done),
        # A copy: the caller may mark it up for its page without touching the shared catalogue.
        "suggestion": copy.copy(suggestion) if suggestion is not None else None,
        "suggestion_reason": reason,
    }
