"""Factories for the test personas and the objects they own.

Factories build rows directly, for arranging a scene; the behaviour under test
always goes through the services or the API.
"""

from __future__ import annotations

from datetime import UTC, datetime

import factory

from equity.accounts.models import Role, User
from equity.offerings.models import Issuer, Offering, OfferingState, Principal
from equity.offerings.selectors import identity_key

NO_DECLARATIONS = {
    "cease_trade_order": False,
    "securities_sanction": False,
    "fraud_conviction": False,
    "bankruptcy": False,
}


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.ca")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    role = Role.INVESTOR
    language = "fr"
    province = "QC"
    country = "CA"
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def saved(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()


class IssuerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Issuer

    owner = factory.SubFactory(UserFactory, role=Role.ISSUER)
    legal_name = factory.Sequence(lambda n: f"Entreprise {n} inc.")
    legal_form = "corporation"
    street = "123 rue Saint-Joseph"
    city = "Québec"
    province = "QC"
    postal_code = "G1K 3A9"
    country = "CA"
    business_description = "Fabrique de vélos cargo électriques pour la livraison urbaine."
    created_at = factory.LazyFunction(lambda: datetime.now(UTC))


class PrincipalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Principal

    issuer = factory.SubFactory(IssuerFactory)
    full_name = factory.Sequence(lambda n: f"Fondatrice {n}")
    identity_key = factory.LazyAttribute(lambda principal: identity_key(principal.full_name))
    is_founder = True
    residence_country = "CA"
    declarations = factory.LazyFunction(lambda: dict(NO_DECLARATIONS))
    declaration_dates = factory.LazyFunction(dict)


class OfferingFactory(factory.django.DjangoModelFactory):
    """A draft offering of common shares: $10 a share, $20,000 to $100,000, 60 days."""

    class Meta:
        model = Offering

    issuer = factory.SubFactory(IssuerFactory)
    title = factory.Sequence(lambda n: f"Campagne {n}")
    summary = "Financer une deuxième ligne de production."
    security_type = "common_share"
    price_per_security_cents = 1_000
    minimum_amount_cents = 2_000_000
    maximum_amount_cents = 10_000_000
    distribution_days = 60
    language = "fr"
    use_of_funds = "Équipement et fonds de roulement."
    risk_factors = "Vous pourriez perdre la totalité de votre investissement."
    rulebook_code = "ni45-110"
    created_by = factory.LazyAttribute(lambda offering: offering.issuer.owner)
    created_at = factory.LazyFunction(lambda: datetime.now(UTC))
    state = OfferingState.DRAFT
