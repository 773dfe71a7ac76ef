"""A borrower with a busy credit line learns from the portal, in a real browser at phone width,
in both languages: the dashboard suggests the article on utilisation, the borrower reads it,
takes its quiz (one wrong answer), sees every explanation, and the dashboard counts the progress.
Every page is checked with axe."""

import pytest

from education.models import ArticleRead, Quiz, QuizAttempt
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers import CHINESE, ENGLISH, expect, nt, t
from tests.factories import PASSWORD, BorrowerFactory, credit_account

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

TITLES = {CHINESE: "读懂额度使用率", ENGLISH: "Understanding utilisation"}
SEARCHES = {CHINESE: "使用率", ENGLISH: "UTILISATION"}


def _progress(language, read, done):
    articles = nt(
        language, "%(read)s of %(counter)s article read", "%(read)s of %(counter)s articles read", 12, read=read
    )
    quizzes = nt(language, "%(counter)s quiz done", "%(counter)s quizzes done", done)
    return t(language, "%(articles)s, %(quizzes)s") % {"articles": articles, "quizzes": quizzes}


# One user story from start to finish in one browser session, as the person lives it; cut into
# parts it would repeat the sign-in and setup and lose the story (hence longer than 60 lines).
@pytest.mark.parametrize("language", [CHINESE, ENGLISH])
def test_a_borrower_reads_the_suggested_article_takes_its_quiz_and_sees_progress(open_visitor, language):
    borrower = BorrowerFactory(preferred_language=language)
    credit_account(customer=borrower.customer, credit_limit="10000.00", outstanding_balance="8000.00")
    quiz = Quiz.objects.get(article__slug="understanding-utilisation", article__language=language)

    visitor = open_visitor(language)
    visitor.page.set_viewport_size({"width": 390, "height": 844})
    visitor.sign_in(borrower.email, PASSWORD)
    visitor.expect_path("/")

    # The dashboard: nothing read yet; 80% utilisation suggests the article on utilisation.
    learning = visitor.page.get_by_role("region", name=visitor.t("Learning"))
    expect(learning.locator("#learning-progress")).to_have_text(_progress(language, 0, 0))
    suggestion = learning.locator("#learning-suggestion")
    expect(suggestion).to_have_text(TITLES[language])
    expect(learning).to_contain_text(
        visitor.t("You are using more than %(share)s of your credit limit.") % {"share": "70%"}
    )

    # The catalogue, from the header.
    visitor.click_to_navigate(
        visitor.page.get_by_role("navigation", name=visitor.t("Main")).get_by_role("link", name=visitor.t("Learn"))
    )
    visitor.expect_path("/learn/")
    expect(visitor.heading()).to_have_text(visitor.t("Learn about credit"))

    # Search, in the borrower's language, and a topic page.
    visitor.page.get_by_label(visitor.t("Search articles")).fill(SEARCHES[language])
    visitor.click_to_navigate(visitor.page.get_by_role("search").get_by_role("button", name=visitor.t("Search")))
    expect(visitor.page.get_by_role("main").get_by_role("link", name=TITLES[language])).to_be_visible()
    visitor.goto("/learn/topic/credit-basics/")
    expect(visitor.page.get_by_role("main").get_by_role("link", name=TITLES[language])).to_be_visible()

    # The article, from the dashboard's suggestion.
    visitor.goto("/")
    visitor.click_to_navigate(visitor.page.locator("#learning-suggestion"))
    visitor.expect_path("/learn/understanding-utilisation/")
    expect(visitor.heading()).to_have_text(TITLES[language])
    assert ArticleRead.objects.filter(user=borrower, article_slug="understanding-utilisation").exists()

    # The quiz: one form, the first answer wrong on purpose.
    visitor.click_to_navigate(visitor.page.get_by_role("link", name=visitor.t("Take the quiz")))
    visitor.expect_path(f"/learn/quiz/{quiz.pk}/")
    questions = list(quiz.questions.all())
    for number, question in enumerate(questions):
        choice = question.choices.filter(is_correct=number != 0).first()
        visitor.page.get_by_label(choice.text, exact=True).check()
    ARTIFACTS.mkdir(exist_ok=True)
    visitor.page.screenshot(path=ARTIFACTS / f"learning-quiz-{language}.png", full_page=True)
    visitor.click_to_navigate(visitor.page.get_by_role("button", name=visitor.t("Check my answers")))

    # The results: the score and every question's explanation.
    attempt = QuizAttempt.objects.get(user=borrower)
    visitor.expect_path(f"/learn/quiz/attempts/{attempt.pk}/")
    expect(visitor.page.locator("#quiz-score")).to_have_text(
        t(language, "You answered %(score)s of %(total)s questions correctly.") % {"score": 2, "total": 3}
    )
    explanations = visitor.page.locator(".quiz-explanation")
    expect(explanations).to_have_count(3)
    for index, question in enumerate(questions):
        expect(explanations.nth(index)).to_contain_text(question.explanation)
    visitor.page.screenshot(path=ARTIFACTS / f"learning-results-{language}.png", full_page=True)

    # Back on the dashboard: one article read, one quiz done, and a new suggestion.
    visitor.click_to_navigate(visitor.page.get_by_role("link", name=visitor.t("Back to my dashboard")))
    visitor.expect_path("/")
    learning = visitor.page.get_by_role("region", name=visitor.t("Learning"))
    expect(learning.locator("#learning-progress")).to_have_text(_progress(language, 1, 1))
    expect(learning.locator("#learning-suggestion")).not_to_have_text(TITLES[language])
