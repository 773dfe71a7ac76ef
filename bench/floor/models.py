from django.db import models


class Person(models.Model):
    """The portal's user table, read only (two columns of it)."""

    email = models.CharField(max_length=254)

    class Meta:
        managed = False
        db_table = "accounts_user"

    def __str__(self):
        return self.email
