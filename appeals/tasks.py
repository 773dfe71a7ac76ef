"""Beat jobs for the appeal clock. Each calls a service that is safe to run twice."""

from celery import shared_task

from appeals import services


@shared_task
def appeals_assignee_remind():
    return services.appeals_assignee_remind()


@shared_task
def appeals_breach_report():
    return services.appeals_breach_report()


@shared_task
def appeals_information_remind():
    return services.appeals_information_remind()


@shared_task
def appeals_unanswered_close():
    return services.appeals_unanswered_close()


@shared_task
def appeals_decided_close():
    return services.appeals_decided_close()
