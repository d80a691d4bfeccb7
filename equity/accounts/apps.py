from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "equity.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from allauth.mfa.signals import authenticator_added

        from equity.accounts.middleware import remember_mfa_proof

        # Activating TOTP proves the code, so the session counts as MFA-verified.
        authenticator_added.connect(remember_mfa_proof, dispatch_uid="equity-mfa-proof")
