from django.core.management.base import BaseCommand

from config.demo import seed_demo


class Command(BaseCommand):
    help = "Create demo customers, borrowers and staff (safe to run again) and print their logins."

    def handle(self, *args, **options):
        for line in seed_demo():
            self.stdout.write(line)
