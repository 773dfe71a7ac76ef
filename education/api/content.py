"""/api/v1/articles/ and /api/v1/quizzes/<id>/attempts/: the literacy catalogue and quiz answers
for the mobile app, through the same selectors and services as the web pages."""

from django.conf import settings
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from education import selectors, services
from education.models import Article, Topic
from education.selectors.content import SEARCH_QUERY_MAX_LENGTH
from portal.api_base import PagePagination, StrictInputSerializer, error_responses

# Most questions a quiz answer may carry (a quiz has a handful).
QUIZ_ANSWERS_MAX = 100


class LanguageFilterSerializer(serializers.Serializer):
    class Meta:
        ref_name = "LanguageFilter"

    language = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        required=False,
        allow_blank=True,
        help_text="Preferred language (empty: the reader's own); another value is refused.",
    )


class ArticleOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "Article"

    slug = serializers.SlugField()
    language = serializers.ChoiceField(choices=settings.LANGUAGES)
    title = serializers.CharField()
    summary = serializers.CharField(allow_blank=True)
    topic = serializers.SlugField(source="topic.slug")
    topic_name = serializers.CharField(source="topic.name")
    level = serializers.ChoiceField(choices=Article.Level.choices)
    reading_minutes = serializers.IntegerField()
    published_at = serializers.DateTimeField(allow_null=True)
    is_fallback = serializers.BooleanField(help_text="True when shown in the other language (no version in yours).")
    url = serializers.SerializerMethodField()

    def get_url(self, article) -> str:
        return selectors.article_url(article.slug, article.language)


class ArticleListView(generics.ListAPIView):
    """Published articles, one version per slug in your language where it exists."""

    serializer_class = ArticleOutputSerializer
    pagination_class = PagePagination

    class FilterSerializer(LanguageFilterSerializer):
        class Meta:
            ref_name = "ArticleFilter"

        topic = serializers.SlugField(required=False, allow_blank=True, max_length=80, help_text="Topic slug.")
        q = serializers.CharField(
            required=False,
            allow_blank=True,
            max_length=SEARCH_QUERY_MAX_LENGTH,
            help_text="Text to look for in title, summary or body (either language).",
        )

    @extend_schema(
        parameters=[FilterSerializer],
        responses={
            200: ArticleOutputSerializer,
            **error_responses(400, 401, 404, status_404="No such topic, or a page number past the end."),
        },
        operation_id="articles_list",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        filters = self.FilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        language = filters.validated_data.get("language")
        if filters.validated_data.get("q"):
            articles = selectors.article_search(query=filters.validated_data["q"], language=language)
        else:
            articles = selectors.article_list(language=language)
        topic = filters.validated_data.get("topic")
        if topic:
            get_object_or_404(Topic, slug=topic)
            articles = [article for article in articles if article.topic.slug == topic]
        return articles


class ArticleDetailView(APIView):
    """One published article with its sanitised HTML body and its quiz, if it has one."""

    class OutputSerializer(ArticleOutputSerializer):
        class Meta:
            ref_name = "ArticleDetail"

        class QuizSerializer(serializers.Serializer):
            class Meta:
                ref_name = "ArticleQuiz"

            class QuestionSerializer(serializers.Serializer):
                class Meta:
                    ref_name = "QuizQuestion"

                class ChoiceSerializer(serializers.Serializer):
                    class Meta:
                        ref_name = "QuizChoice"

                    id = serializers.IntegerField()
                    text = serializers.CharField()

                id = serializers.IntegerField()
                text = serializers.CharField()
                choices = ChoiceSerializer(many=True, source="choices.all")

            id = serializers.IntegerField()
            questions = QuestionSerializer(many=True, source="questions.all")

        body_html = serializers.CharField(help_text="Rendered from Markdown and sanitised (allow-listed tags).")
        other_language = serializers.CharField(source="other_version.language", allow_null=True, default=None)
        quiz = QuizSerializer(source="quiz_loaded", allow_null=True)

    @extend_schema(
        parameters=[LanguageFilterSerializer],
        responses={200: OutputSerializer, **error_responses(400, 401, 404)},
        operation_id="articles_retrieve",
    )
    def get(self, request, slug):
        filters = LanguageFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        article = selectors.article_detail_get(slug=slug, language=filters.validated_data.get("language"))
        article.quiz_loaded = selectors.quiz_for_article(article=article)
        data = self.OutputSerializer(article, context={"request": request}).data
        return Response(data)


class QuizAttemptCreateView(APIView):
    """Answer every question of a quiz; the result says which answers were right and why."""

    parser_classes = [JSONParser]

    class InputSerializer(StrictInputSerializer):
        class Meta:
            ref_name = "QuizAttemptCreate"

        class AnswerSerializer(StrictInputSerializer):
            class Meta:
                ref_name = "QuizAnswer"

            question = serializers.IntegerField(min_value=1)
            choice = serializers.IntegerField(min_value=1)

        answers = serializers.ListField(
            child=AnswerSerializer(),
            min_length=1,
            max_length=QUIZ_ANSWERS_MAX,
            help_text="One answer per question of the quiz.",
        )

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "QuizAttempt"

        class ResultSerializer(serializers.Serializer):
            class Meta:
                ref_name = "QuizAnswerResult"

            question = serializers.IntegerField(source="question.pk")
            question_text = serializers.CharField(source="question.text")
            choice = serializers.IntegerField(source="chosen.pk", allow_null=True)
            is_correct = serializers.BooleanField()
            correct_choices = serializers.SerializerMethodField()
            explanation = serializers.CharField()

            def get_correct_choices(self, row) -> list[int]:
                return [choice.pk for choice in row["correct"]]

        id = serializers.IntegerField(source="attempt.pk")
        quiz = serializers.IntegerField(source="attempt.quiz_id")
        score = serializers.IntegerField(source="attempt.score")
        question_count = serializers.IntegerField(source="attempt.question_count")
        completed_at = serializers.DateTimeField(source="attempt.completed_at")
        results = ResultSerializer(many=True, source="questions")

    @extend_schema(
        request=InputSerializer,
        responses={
            201: OutputSerializer,
            **error_responses(
                400,
                401,
                403,
                404,
                status_400="Invalid input, a question left unanswered, or an answer that is not one of the "
                "question's choices (`invalid_choice`).",
                status_404="No such published quiz.",
            ),
        },
        operation_id="quiz_attempts_create",
    )
    def post(self, request, quiz_id):
        quiz = selectors.quiz_get(quiz_id=quiz_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answers = {answer["question"]: answer["choice"] for answer in data.validated_data["answers"]}
        attempt = services.quiz_attempt_submit(user=request.user, quiz=quiz, answers=answers, request=request)
        return Response(quiz_attempt_data(attempt), status=status.HTTP_201_CREATED)


def quiz_attempt_data(attempt):
    """An attempt with its per-question results, as both quiz attempt endpoints answer it."""
    result = {"attempt": attempt, **selectors.quiz_attempt_result(attempt=attempt)}
    return QuizAttemptCreateView.OutputSerializer(result).data


class QuizAttemptDetailView(APIView):
    """One of your own quiz attempts with its explanations; another person's is a 404."""

    @extend_schema(
        responses={200: QuizAttemptCreateView.OutputSerializer, **error_responses(401, 404)},
        operation_id="quiz_attempts_retrieve",
    )
    def get(self, request, quiz_id, attempt_id):
        attempt = selectors.quiz_attempt_get(user=request.user, attempt_id=attempt_id)
        if attempt.quiz_id != quiz_id:
            raise exceptions.NotFound()
        return Response(quiz_attempt_data(attempt))
