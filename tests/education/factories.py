"""Factories for the education app's tests."""

import datetime

import factory

from education.models import Choice, Question, Quiz
from education.rendering import markdown_to_safe_html, reading_minutes
from education.services.reports import health_report_compute
from tests.factories import BorrowerFactory

# --- health reports (part B) -------------------------------------------------------------------


def _empty_snapshot(report):
    _columns, snapshot = health_report_compute(
        month=report.month,
        as_of=report.month + datetime.timedelta(days=31),
        accounts=[],
        scores=[],
        installments=[],
        changes=[],
        appeals={"submitted": 0, "open": 0, "waiting_for_you": 0},
    )
    return snapshot


class HealthReportFactory(factory.django.DjangoModelFactory):
    """A stored report with the figures of a borrower who has no data (grade from defaults)."""

    class Meta:
        model = "education.HealthReport"

    user = factory.SubFactory(BorrowerFactory)
    month = datetime.date(2026, 10, 1)
    snapshot = factory.LazyAttribute(_empty_snapshot)
    grade = factory.LazyAttribute(lambda report: report.snapshot["grade"])
    computed_at = factory.LazyFunction(lambda: datetime.datetime(2026, 11, 1, 1, 0, tzinfo=datetime.UTC))


class CommunicationPreferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "education.CommunicationPreference"
        django_get_or_create = ("user",)

    user = factory.SubFactory(BorrowerFactory)
    report_emails = True
    reminder_emails = True
    time_zone = "Asia/Shanghai"


# --- literacy content and quizzes (part A) -----------------------------------------------------


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "education.Topic"
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"test-topic-{n}")
    name_zh = factory.Sequence(lambda n: f"测试主题{n}")
    name_en = factory.Sequence(lambda n: f"Test topic {n}")
    ordering = 100


class ArticleFactory(factory.django.DjangoModelFactory):
    """A published article whose HTML is rendered as the article services render it."""

    class Meta:
        model = "education.Article"

    slug = factory.Sequence(lambda n: f"test-article-{n}")
    language = "en"
    title = factory.Sequence(lambda n: f"Test article {n}")
    summary = "A short test summary."
    body = "Some **plain** text about money."
    body_html = factory.LazyAttribute(lambda article: markdown_to_safe_html(article.body))
    reading_minutes = factory.LazyAttribute(lambda article: reading_minutes(article.body, article.language))
    topic = factory.SubFactory(TopicFactory)
    level = "beginner"
    is_published = True
    published_at = factory.LazyFunction(lambda: datetime.datetime.now(tz=datetime.UTC))


def quiz_for(article, questions=(("Question one?", "Because one."), ("Question two?", "Because two."))):
    """A published quiz on ``article``: each question has a right choice "Right N" and a wrong one
    "Wrong N"."""
    quiz = Quiz.objects.create(article=article)
    for number, (text, explanation) in enumerate(questions, start=1):
        question = Question.objects.create(quiz=quiz, text=text, explanation=explanation, ordering=number)
        Choice.objects.create(question=question, text=f"Right {number}", is_correct=True, ordering=1)
        Choice.objects.create(question=question, text=f"Wrong {number}", is_correct=False, ordering=2)
    return quiz


def right_answers(quiz):
    return {question.pk: question.choices.get(is_correct=True).pk for question in quiz.questions.all()}


def wrong_answers(quiz):
    return {question.pk: question.choices.get(is_correct=False).pk for question in quiz.questions.all()}
