"""Writes for literacy content: saving and publishing articles (staff), and a borrower's reading
progress and quiz answers."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from education.models import Article, ArticleRead, Choice, QuizAttempt
from education.rendering import markdown_to_safe_html, reading_minutes
from portal.exceptions import PortalError
from portal.services import audit_event_record


class ContentPermissionError(PortalError):
    status_code = 403


def _require_permission(actor, permission):
    if actor is None or not actor.is_authenticated or not actor.has_perm(permission):
        raise ContentPermissionError(
            _("You do not have permission to edit learning content. Ask an administrator for the Content editor role."),
            code="permission_denied",
        )


def article_render(*, article):
    """Fill the derived fields (sanitised HTML, reading time) from the Markdown. Does not save."""
    article.body_html = markdown_to_safe_html(article.body)
    article.reading_minutes = reading_minutes(f"{article.title}\n{article.summary}\n{article.body}", article.language)
    return article


def article_save(*, article, actor, request=None):
    """Create or update an article as an editor wrote it: render, then save. New articles start
    as drafts unless published through ``article_publish``."""
    _require_permission(actor, "education.change_article" if article.pk else "education.add_article")
    with transaction.atomic():
        creating = article.pk is None
        if creating and article.author_id is None:
            article.author = actor
        article_render(article=article)
        article.save()
        audit_event_record(
            actor=actor,
            action="education.article_create" if creating else "education.article_update",
            target=article,
            after={"title": article.title, "language": article.language, "published": article.is_published},
            request=request,
        )
    return article


def _publication_set(*, articles, published, actor, request):
    _require_permission(actor, "education.change_article")
    now = timezone.now()
    changed = []
    with transaction.atomic():
        for article in Article.objects.select_for_update().filter(pk__in=[a.pk for a in articles]).order_by("pk"):
            if article.is_published == published:
                continue
            article.is_published = published
            update_fields = ["is_published", "updated_at"]
            if published and article.published_at is None:
                article.published_at = now
                update_fields.append("published_at")
            article.save(update_fields=update_fields)
            audit_event_record(
                actor=actor,
                action="education.article_publish" if published else "education.article_unpublish",
                target=article,
                before={"published": not published},
                after={"published": published},
                request=request,
            )
            changed.append(article)
    return changed


def article_publish(*, articles, actor, request=None):
    """Make articles visible to borrowers. Returns the ones that changed."""
    return _publication_set(articles=articles, published=True, actor=actor, request=request)


def article_unpublish(*, articles, actor, request=None):
    """Take articles back to draft. Borrowers' progress on them is kept."""
    return _publication_set(articles=articles, published=False, actor=actor, request=request)


def article_read_record(*, user, article):
    """Note that a signed-in person opened an article, once per slug. Reading progress is the
    borrower's own bookkeeping, not a decision, so it is not written to the audit log."""
    if not user.is_authenticated:
        return None
    read = ArticleRead.objects.filter(user=user, article_slug=article.slug).first()
    if read is not None:
        return read
    try:
        with transaction.atomic():
            return ArticleRead.objects.create(user=user, article_slug=article.slug, first_read_at=timezone.now())
    except IntegrityError:  # the same person opened it twice at once
        return ArticleRead.objects.get(user=user, article_slug=article.slug)


def quiz_attempt_submit(*, user, quiz, answers, request=None):
    """Record a borrower's answers to every question of ``quiz`` and score them.

    ``answers`` maps question id to choice id. A missing answer, or a choice that belongs to
    another question, is refused and nothing is saved."""
    if not user.is_authenticated:
        raise PortalError(_("Sign in to save your quiz answers."), code="not_signed_in")
    questions = list(quiz.questions.all())
    answers = {str(question_id): choice_id for question_id, choice_id in (answers or {}).items()}
    unknown = set(answers) - {str(question.pk) for question in questions}
    if unknown:
        raise PortalError(_("Some answers do not belong to this quiz. Reload the quiz and try again."), code="invalid")
    chosen = {}
    for question in questions:
        choice_id = answers.get(str(question.pk))
        if choice_id in (None, ""):
            raise PortalError(
                _("Answer every question before you submit."), code="required", field=f"question_{question.pk}"
            )
        try:
            choice_id = int(choice_id)
        except (TypeError, ValueError):
            choice_id = None
        chosen[question.pk] = choice_id
    choices = Choice.objects.in_bulk([choice_id for choice_id in chosen.values() if choice_id is not None])
    score = 0
    for question in questions:
        choice = choices.get(chosen[question.pk])
        if choice is None or choice.question_id != question.pk:
            raise PortalError(
                _("Choose one of the answers listed for this question."),
                code="invalid_choice",
                field=f"question_{question.pk}",
            )
        score += int(choice.is_correct)
    with transaction.atomic():
        attempt = QuizAttempt.objects.create(
            user=user,
            quiz=quiz,
            answers={str(question_id): choice_id for question_id, choice_id in chosen.items()},
            score=score,
            question_count=len(questions),
            completed_at=timezone.now(),
        )
        audit_event_record(
            actor=user,
            action="education.quiz_attempt",
            target=attempt,
            after={"quiz": quiz.pk, "score": score, "questions": len(questions)},
            request=request,
        )
    return attempt
