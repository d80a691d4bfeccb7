"""The demo scene loaded by ``python manage.py load_demo``: a few Québec issuers and
their offerings in several states, built through the services so the audit chain
records every step exactly as it would in production."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction

from equity.accounts.models import User
from equity.accounts.services import (
    account_register,
    compliance_officer_create,
    officer_totp_activate,
)
from equity.compliance.rules import BondTerms
from equity.offerings.models import Issuer
from equity.offerings.services import (
    issuer_create,
    offering_approve,
    offering_create,
    offering_open,
    offering_reject,
    offering_submit,
)
from equity.offerings.services.issuers import HeadOffice, PrincipalInput

DEMO_PASSWORD = "laruche-demo-2026"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    role: str
    description: str


DEMO_ACCOUNTS = (
    DemoAccount(
        "conformite@demo.laruche.example",
        "compliance_officer",
        "compliance officer: reviews offerings, audit, admin",
    ),
    DemoAccount(
        "lumen@demo.laruche.example",
        "issuer",
        "Lumen Analytique inc. and Lumen Robotique inc. (same founder)",
    ),
    DemoAccount(
        "grenier@demo.laruche.example",
        "issuer",
        "Coopérative de solidarité Le Grenier (preferred shares)",
    ),
    DemoAccount(
        "habitations@demo.laruche.example",
        "issuer",
        "Habitations solidaires du Plateau (community bonds)",
    ),
    DemoAccount("lea@demo.laruche.example", "investor", "Léa Tremblay, investor in Québec"),
    DemoAccount("sam@demo.laruche.example", "investor", "Sam Wilson, investor in Ontario"),
)

NO_DECLARATIONS = {
    "cease_trade_order": False,
    "securities_sanction": False,
    "fraud_conviction": False,
    "bankruptcy": False,
}


def _principal(name: str, *roles: str) -> PrincipalInput:
    return PrincipalInput(
        full_name=name, roles=roles, residence_country="CA", declarations=dict(NO_DECLARATIONS)
    )


def _user(email: str) -> User:
    return User.objects.get(email=email)


def demo_loaded() -> bool:
    """Return whether the demo scene is already in the database."""
    return User.objects.filter(email=DEMO_ACCOUNTS[0].email).exists()


@transaction.atomic
def load_demo() -> None:
    """Create the demo accounts, issuers and offerings."""
    officer = compliance_officer_create(
        email=DEMO_ACCOUNTS[0].email, password=DEMO_PASSWORD, full_name="Geneviève Lavoie"
    )
    officer_totp_activate(officer=officer)
    people = {
        "lumen@demo.laruche.example": ("Nadia Ouellet", "QC", "fr", None),
        "grenier@demo.laruche.example": ("Mathieu Gagnon", "QC", "fr", None),
        "habitations@demo.laruche.example": ("Fatou Diallo", "QC", "fr", None),
        "lea@demo.laruche.example": ("Léa Tremblay", "QC", "fr", "1990-04-12"),
        "sam@demo.laruche.example": ("Sam Wilson", "ON", "en", "1985-09-30"),
    }
    for account in DEMO_ACCOUNTS[1:]:
        full_name, province, language, birth = people[account.email]
        account_register(
            email=account.email,
            password=DEMO_PASSWORD,
            role=account.role,
            full_name=full_name,
            province=province,
            country="CA",
            birth_date=date.fromisoformat(birth) if birth else None,
            language=language,
        )
    _lumen(officer)
    _grenier(officer)
    _habitations(officer)


def _lumen(officer: User) -> None:
    """A Québec technology start-up selling common shares (open), and its sister
    company sharing the founder, whose draft cannot go out while the first is open (R07)."""
    owner = _user("lumen@demo.laruche.example")
    analytique, _ = issuer_create(
        owner=owner,
        legal_name="Lumen Analytique inc.",
        legal_form="corporation",
        head_office=HeadOffice("400 boulevard Jean-Lesage", "Québec", "QC", "G1K 8W1", "CA"),
        is_reporting_issuer=False,
        is_investment_fund=False,
        business_description="Logiciel d'analyse de la consommation d'énergie des bâtiments "
        "commerciaux, vendu par abonnement aux gestionnaires d'immeubles.",
        principals=[
            _principal("Nadia Ouellet", "founder", "director", "officer"),
            _principal("Olivier Roy", "director"),
        ],
    )
    offering = offering_create(
        actor=owner,
        issuer_id=analytique.pk,
        title="Lumen Analytique — actions ordinaires",
        summary="Financer le lancement commercial de notre plateforme d'analyse énergétique.",
        security_type="common_share",
        price_per_security_cents=500,
        minimum_amount_cents=5_000_000,
        maximum_amount_cents=25_000_000,
        distribution_days=60,
        language="fr",
        use_of_funds="Développement des ventes (60 %), produit (40 %).",
        risk_factors="Jeune entreprise sans historique de profits; vous pourriez perdre "
        "la totalité de votre investissement.",
    )
    offering_submit(actor=owner, offering_id=offering.pk)
    offering_approve(officer=officer, offering_id=offering.pk, note="Dossier complet.")
    offering_open(actor=owner, offering_id=offering.pk)

    robotique, _ = issuer_create(
        owner=owner,
        legal_name="Lumen Robotique inc.",
        legal_form="corporation",
        head_office=HeadOffice("400 boulevard Jean-Lesage", "Québec", "QC", "G1K 8W1", "CA"),
        is_reporting_issuer=False,
        is_investment_fund=False,
        business_description="Robots d'inspection des toitures pour les bâtiments commerciaux.",
        principals=[_principal("Nadia Ouellet", "founder", "control_person")],
    )
    offering_create(
        actor=owner,
        issuer_id=robotique.pk,
        title="Lumen Robotique — actions ordinaires",
        summary="Construire les premiers prototypes.",
        security_type="common_share",
        price_per_security_cents=1_000,
        minimum_amount_cents=2_000_000,
        maximum_amount_cents=10_000_000,
        distribution_days=45,
        language="fr",
        use_of_funds="Prototypes et essais sur le terrain.",
        risk_factors="Produit en développement; vous pourriez tout perdre.",
    )


def _grenier(officer: User) -> None:
    """A co-operative selling preferred shares (parts privilégiées), under review after a
    first rejection."""
    owner = _user("grenier@demo.laruche.example")
    coop, _ = issuer_create(
        owner=owner,
        legal_name="Coopérative de solidarité Le Grenier",
        legal_form="cooperative",
        head_office=HeadOffice("12 rue Saint-Germain Est", "Rimouski", "QC", "G5L 1A5", "CA"),
        is_reporting_issuer=False,
        is_investment_fund=False,
        business_description="Épicerie coopérative de produits locaux et café de quartier.",
        principals=[
            _principal("Mathieu Gagnon", "founder", "director"),
            _principal("Isabelle Pelletier", "officer"),
        ],
    )
    offering = offering_create(
        actor=owner,
        issuer_id=coop.pk,
        title="Le Grenier — parts privilégiées",
        summary="Agrandir l'épicerie et ajouter une cuisine de transformation.",
        security_type="preferred_share",
        price_per_security_cents=10_000,
        minimum_amount_cents=3_000_000,
        maximum_amount_cents=12_000_000,
        distribution_days=90,
        language="fr",
        use_of_funds="Travaux (70 %), équipement de cuisine (30 %).",
        risk_factors="Les parts privilégiées ne sont pas garanties et se revendent difficilement.",
    )
    offering_submit(actor=owner, offering_id=offering.pk)
    offering_reject(
        officer=officer,
        offering_id=offering.pk,
        reason="Préciser le rendement visé des parts privilégiées.",
    )
    offering_submit(actor=owner, offering_id=offering.pk)


def _habitations(officer: User) -> None:
    """A non-profit selling community bonds (obligations communautaires), approved."""
    owner = _user("habitations@demo.laruche.example")
    obnl, _ = issuer_create(
        owner=owner,
        legal_name="Habitations solidaires du Plateau",
        legal_form="non_profit",
        head_office=HeadOffice("4200 rue Saint-Denis", "Montréal", "QC", "H2J 2K8", "CA"),
        is_reporting_issuer=False,
        is_investment_fund=False,
        business_description="Organisme sans but lucratif de logement abordable pour aînés.",
        principals=[_principal("Fatou Diallo", "founder", "director")],
    )
    offering = offering_create(
        actor=owner,
        issuer_id=obnl.pk,
        title="Obligations communautaires 2027",
        summary="Rénover 24 logements abordables.",
        security_type="debt",
        price_per_security_cents=50_000,
        minimum_amount_cents=10_000_000,
        maximum_amount_cents=40_000_000,
        distribution_days=75,
        language="fr",
        use_of_funds="Rénovation écoénergétique des logements.",
        risk_factors="Obligations non garanties, subordonnées à l'hypothèque.",
        bond_terms=BondTerms(annual_rate_bps=400, term_months=60, interest_frequency="annual"),
    )
    offering_submit(actor=owner, offering_id=offering.pk)
    offering_approve(officer=officer, offering_id=offering.pk, note="Conditions claires.")


def demo_issuers() -> list[Issuer]:
    """Return the demo issuers, for the command's summary."""
    return list(Issuer.objects.filter(owner__email__endswith="@demo.laruche.example"))
