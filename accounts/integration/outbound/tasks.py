"""The core-system link's tasks: thin wrappers over the services. Registered through
``accounts.integration.tasks``, which Celery autodiscovers."""

from celery import shared_task

from accounts.integration.outbound import services


@shared_task
def core_instruction_send(instruction_id):
    """After commit: send one instruction to the core system (or hand it to the simulator)."""
    return services.core_instruction_send(instruction_id=instruction_id)


@shared_task
def core_simulator_answer(instruction_id):
    """Without a core-system URL: the simulator's confirmation, after its delay."""
    return services.core_simulator_answer(instruction_id=instruction_id)


@shared_task
def core_instructions_sweep():
    """Beat, every minute: send what is due (retries, lost messages) and answer for the simulator."""
    return services.core_instructions_sweep()
