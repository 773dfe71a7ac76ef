from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class CustomerRecord(models.Model):
    """A customer as the lender's core system knows them. The national ID number is never stored:
    only a keyed hash (to match what a borrower types) and its last four characters (to show)."""

    external_id = models.CharField(_("external id"), max_length=64, unique=True)
    legal_name = models.CharField(_("legal name"), max_length=100)
    national_id_hash = models.CharField(_("national ID hash"), max_length=64, unique=True, editable=False)
    national_id_last4 = models.CharField(_("national ID last four"), max_length=4, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("customer record")
        verbose_name_plural = _("customer records")
        ordering = ["external_id"]

    def __str__(self):
        return f"{self.external_id} {self.masked_name}"

    @property
    def masked_national_id(self):
        return "*" * 14 + self.national_id_last4

    @property
    def masked_name(self):
        return self.legal_name[:1] + "*" * max(len(self.legal_name) - 1, 1)


class User(AbstractBaseUser, PermissionsMixin):
    """A login. Email is the identifier. Linked to one customer record once identity binding
    succeeds; nothing about credit is visible before that."""

    email = models.EmailField(_("email address"), unique=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    customer = models.OneToOneField(
        CustomerRecord,
        verbose_name=_("customer record"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="user",
    )
    identity_bound_at = models.DateTimeField(_("identity bound at"), null=True, blank=True)
    is_staff = models.BooleanField(
        _("staff status"), default=False, help_text=_("Designates whether the user can log into the admin.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(customer__isnull=True, identity_bound_at__isnull=True)
                | models.Q(customer__isnull=False, identity_bound_at__isnull=False),
                name="user_customer_bound_together",
            )
        ]

    def __str__(self):
        return self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    @property
    def is_identity_bound(self):
        return self.customer_id is not None

    # Set on the in-memory user of one request by accounts/identity/staff_access.py when a staff
    # login has not passed two-factor authentication; never a database field.
    staff_powers_withheld = False

    @property
    def acts_as_staff(self):
        """A staff member whose staff powers count in this request (for code that gates on
        ``is_staff`` rather than on a permission)."""
        return self.is_staff and not self.staff_powers_withheld

    # While staff powers are withheld, every permission question Django's PermissionsMixin
    # answers is "no", superusers included (their has_perm would otherwise short-circuit).
    def get_user_permissions(self, obj=None):
        return set() if self.staff_powers_withheld else super().get_user_permissions(obj)

    def get_group_permissions(self, obj=None):
        return set() if self.staff_powers_withheld else super().get_group_permissions(obj)

    def get_all_permissions(self, obj=None):
        return set() if self.staff_powers_withheld else super().get_all_permissions(obj)

    def has_perm(self, perm, obj=None):
        return not self.staff_powers_withheld and super().has_perm(perm, obj)

    def has_perms(self, perm_list, obj=None):
        return not self.staff_powers_withheld and super().has_perms(perm_list, obj)

    def has_module_perms(self, app_label):
        return not self.staff_powers_withheld and super().has_module_perms(app_label)


class IdentityBindingAttempt(models.Model):
    """One try at linking a login to a customer record; failures count toward the lock."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="identity_binding_attempts")
    succeeded = models.BooleanField(default=False)
    attempted_at = models.DateTimeField(default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("identity binding attempt")
        verbose_name_plural = _("identity binding attempts")
        ordering = ["-attempted_at"]
        indexes = [models.Index(fields=["user", "succeeded", "attempted_at"])]

    def __str__(self):
        return f"{self.user} {self.attempted_at:%Y-%m-%d %H:%M} {'ok' if self.succeeded else 'failed'}"
