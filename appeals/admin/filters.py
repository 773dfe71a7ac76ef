"""The queue's filters: which queue (mine, the team's), deadline, assignee."""

from datetime import timedelta

from django.contrib import admin
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appeals import selectors
from appeals.models import Appeal
from portal.deadlines import deadline_profiles

DUE_SOON_DAYS = 3


def my_open_appeals(queryset, user):
    """Open appeals this person handles now: as assignee, or as the second-level reviewer."""
    mine = Q(assignee=user) & ~Q(status=Appeal.Status.SECOND_REVIEW) | Q(
        second_reviewer=user, status=Appeal.Status.SECOND_REVIEW
    )
    return queryset.filter(mine, status__in=Appeal.OPEN_STATUSES)


class QueueFilter(admin.SimpleListFilter):
    title = _("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [
            ("mine", _("My queue")),
            ("team", _("Team queue (all open)")),
            ("unassigned", _("Waiting for a reviewer")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "mine":
            return my_open_appeals(queryset, request.user)
        if self.value() == "team":
            return queryset.filter(status__in=Appeal.OPEN_STATUSES)
        if self.value() == "unassigned":
            waiting = Q(assignee__isnull=True) & ~Q(status=Appeal.Status.SECOND_REVIEW) | Q(
                second_reviewer__isnull=True, status=Appeal.Status.SECOND_REVIEW
            )
            return queryset.filter(waiting, status__in=Appeal.OPEN_STATUSES)
        return queryset


class DueFilter(admin.SimpleListFilter):
    title = _("deadline")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [
            ("overdue", _("overdue")),
            ("day", _("due within a day")),
            ("soon", _("due within 3 days")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        running = queryset.filter(status__in=Appeal.ON_CLOCK_STATUSES)
        if self.value() == "overdue":
            return running.filter(due_at__lt=now)
        if self.value() == "day":
            return running.filter(due_at__gte=now, due_at__lte=now + timedelta(days=1))
        if self.value() == "soon":
            return running.filter(due_at__gte=now, due_at__lte=now + timedelta(days=DUE_SOON_DAYS))
        return queryset


class AssigneeFilter(admin.SimpleListFilter):
    title = _("assignee")
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        people = [(str(user.pk), user.get_username()) for user in selectors.appeal_reviewers()]
        return [("me", _("assigned to me")), ("none", _("unassigned")), *people]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "me":
            return queryset.filter(assignee=request.user)
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value and value.isdigit():
            return queryset.filter(assignee_id=int(value))
        return queryset


class JurisdictionFilter(admin.SimpleListFilter):
    title = _("deadline profile")
    parameter_name = "jurisdiction"

    def lookups(self, request, model_admin):
        return [(profile.jurisdiction, profile.jurisdiction) for profile in deadline_profiles()]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(jurisdiction=self.value())
        return queryset
