"""Literacy content for the "Content editor" group: topics, articles (with a preview as borrowers
see it) and quizzes. Saving renders and sanitises the Markdown, and publishing goes through the
article services, so both are audited under the editor's name."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from education import selectors, services
from education.models import Article, Choice, Question, Quiz, Topic
from education.views.content import render_article
from portal.exceptions import PortalError


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["slug", "name_zh", "name_en", "ordering"]
    search_fields = ["slug", "name_zh", "name_en"]
    ordering = ["ordering", "slug"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "slug",
        "language",
        "topic",
        "level",
        "is_published",
        "published_at",
        "reading_minutes",
        "preview_link",
    ]
    list_filter = ["topic", "language", "level", "is_published"]
    search_fields = ["slug", "title", "summary"]
    list_select_related = ["topic"]
    ordering = ["topic__ordering", "slug", "language"]
    fields = [
        "slug",
        "language",
        "topic",
        "level",
        "title",
        "summary",
        "body",
        "is_published",
        "published_at",
        "reading_minutes",
        "author",
    ]
    # Publication changes only through the actions below (audited, with a publication time).
    readonly_fields = ["is_published", "published_at", "reading_minutes", "author"]
    actions = ["publish", "unpublish"]
    show_full_result_count = False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # bulk delete would take published articles too
        return actions

    def has_delete_permission(self, request, obj=None):
        """Only drafts can be deleted; a published article is unpublished first."""
        if obj is not None and obj.is_published:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        services.article_save(article=obj, actor=request.user, request=request)

    @admin.display(description=_("preview"))
    def preview_link(self, obj):
        url = reverse("admin:education_article_preview", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Preview"))

    def get_urls(self):
        return [
            path(
                "<int:article_id>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="education_article_preview",
            ),
        ] + super().get_urls()

    def preview_view(self, request, article_id):
        """The article exactly as borrowers will see it, drafts included, for staff who may
        view articles."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        return render_article(request, selectors.article_preview_get(article_id=article_id), preview=True)

    def _set_publication(self, request, queryset, service, done_message):
        try:
            changed = service(articles=list(queryset), actor=request.user, request=request)
        except PortalError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        self.message_user(request, done_message(len(changed)), messages.SUCCESS)

    @admin.action(description=_("Publish the selected articles"), permissions=["change"])
    def publish(self, request, queryset):
        self._set_publication(
            request,
            queryset,
            services.article_publish,
            lambda count: (
                ngettext("%(count)s article published.", "%(count)s articles published.", count) % {"count": count}
            ),
        )

    @admin.action(description=_("Unpublish the selected articles"), permissions=["change"])
    def unpublish(self, request, queryset):
        self._set_publication(
            request,
            queryset,
            services.article_unpublish,
            lambda count: (
                ngettext("%(count)s article unpublished.", "%(count)s articles unpublished.", count) % {"count": count}
            ),
        )


class QuestionInline(admin.StackedInline):
    model = Question
    extra = 0
    fields = ["ordering", "text", "explanation"]
    show_change_link = True


@admin.register(Quiz)
class QuizAdmin(admin.ModelAdmin):
    list_display = ["article", "is_published", "question_count"]
    list_filter = ["is_published", "article__language"]
    search_fields = ["article__slug", "article__title"]
    list_select_related = ["article"]
    autocomplete_fields = ["article"]
    inlines = [QuestionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(number_of_questions=Count("questions"))

    @admin.display(description=_("questions"), ordering="number_of_questions")
    def question_count(self, obj):
        return obj.number_of_questions


class ChoiceInline(admin.TabularInline):
    model = Choice
    extra = 0
    fields = ["ordering", "text", "is_correct"]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["text", "quiz", "ordering"]
    search_fields = ["text", "quiz__article__slug"]
    list_select_related = ["quiz__article"]
    inlines = [ChoiceInline]
