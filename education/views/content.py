"""Learning pages: the article catalogue, topics, search, an article, its quiz and the results.

Articles are public reading; opening one while signed in records progress. Quizzes need a
signed-in person, and their results are shown only to the person who answered."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from education import selectors, services
from education.forms import ArticleSearchForm, QuizForm
from education.selectors import content as content_selectors
from portal.exceptions import PortalError


def article_list(request):
    articles = selectors.article_list()
    return render(
        request,
        "education/article_list.html",
        {
            "topics": selectors.topic_list(),
            "articles": articles,
            "read_slugs": selectors.article_read_slugs(user=request.user),
            "search_form": ArticleSearchForm(),
        },
    )


def topic_detail(request, slug):
    topic = selectors.topic_get(slug=slug)
    return render(
        request,
        "education/topic_detail.html",
        {
            "topic": topic,
            "articles": selectors.article_list(topic=topic),
            "read_slugs": selectors.article_read_slugs(user=request.user),
        },
    )


def article_search(request):
    form = ArticleSearchForm(request.GET or None)
    results = None
    if form.is_valid() and form.cleaned_data["q"]:
        results = selectors.article_search(query=form.cleaned_data["q"])
    return render(
        request,
        "education/article_search.html",
        {"search_form": form, "results": results, "read_slugs": selectors.article_read_slugs(user=request.user)},
    )


def render_article(request, article, *, preview=False):
    """The article page as a borrower sees it (staff preview uses it too)."""
    return render(
        request,
        "education/article_detail.html",
        {"article": article, "quiz": content_selectors.quiz_summary_for_article(article=article), "preview": preview},
    )


def article_detail(request, slug):
    article = selectors.article_detail_get(slug=slug, language=request.GET.get("language"))
    services.article_read_record(user=request.user, article=article)
    return render_article(request, article)


@login_required
def quiz_take(request, quiz_id):
    quiz = selectors.quiz_get(quiz_id=quiz_id)
    form = QuizForm(request.POST or None, quiz=quiz)
    if request.method == "POST" and form.is_valid():
        try:
            attempt = services.quiz_attempt_submit(
                user=request.user, quiz=quiz, answers=form.answers(), request=request
            )
        except PortalError as error:
            error.add_to_form(form)
        else:
            return redirect("education:quiz_result", attempt_id=attempt.pk)
    return render(request, "education/quiz.html", {"quiz": quiz, "article": quiz.article, "form": form})


@login_required
def quiz_result(request, attempt_id):
    attempt = selectors.quiz_attempt_get(user=request.user, attempt_id=attempt_id)
    return render(
        request,
        "education/quiz_result.html",
        {"attempt": attempt, **selectors.quiz_attempt_result(attempt=attempt)},
    )
