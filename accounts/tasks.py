from celery import shared_task

from accounts import services


@shared_task
def identity_binding_attempts_purge():
    return services.identity_binding_attempts_purge()
