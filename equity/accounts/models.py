"""People who use the module: investors, issuers' representatives, compliance officers."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    INVESTOR = "investor", _("investor")
    ISSUER = "issuer", _("issuer")
    COMPLIANCE_OFFICER = "compliance_officer", _("compliance officer")


class Language(models.TextChoices):
    FRENCH = "fr", _("French")
    ENGLISH = "en", _("English")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: object) -> User:
        # E-mail addresses are matched without regard to case, so they are stored lower-case.
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: object) -> User:
        fields.update(is_staff=True, is_superuser=True, role=Role.COMPLIANCE_OFFICER)
        return self.create_user(email, password, **fields)


class User(AbstractUser):
    """An account, identified by e-mail, with exactly one role."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200)
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.FRENCH
    )
    province = models.CharField(_("province or state"), max_length=3, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="user_role_known"
            ),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def is_compliance_officer(self) -> bool:
        return self.role == Role.COMPLIANCE_OFFICER

    @property
    def is_issuer(self) -> bool:
        return self.role == Role.ISSUER

    @property
    def is_investor(self) -> bool:
        return self.role == Role.INVESTOR


class PortalStatusAcknowledgement(models.Model):
    """A user's acknowledgement of the portal's status (R19), kept as shown.

    The statement depends on whether the portal is a registered dealer and gives
    suitability advice; its text and SHA-256 are stored so that an audit years
    later sees exactly what the person acknowledged.
    """

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="portal_acknowledgements")
    registered_dealer = models.BooleanField()
    language = models.CharField(max_length=2, choices=Language.choices)
    text = models.TextField()
    text_sha256 = models.CharField(max_length=64)
    acknowledged_at = models.DateTimeField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("portal status acknowledgement")
        verbose_name_plural = _("portal status acknowledgements")
        indexes = [models.Index(fields=["user", "text_sha256"])]

    def __str__(self) -> str:
        return f"{self.user} {self.acknowledged_at:%Y-%m-%d}"
