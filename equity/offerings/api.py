"""Issuers and offerings over HTTP (CONTRACT.md, Issuers and Offerings).

One class per operation, each with its own input and output serializers;
each parses, calls one service or selector and renders.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from equity import clock
from equity.compliance.rules import INTEREST_FREQUENCIES, BondTerms
from equity.exceptions import NotFound, PermissionDenied
from equity.investors.selectors import subscriber_count
from equity.offerings import services
from equity.offerings.models import Issuer, LegalForm, Offering, SecurityType
from equity.offerings.selectors import issuer_cap, offerings_visible_to
from equity.offerings.services.issuers import ROLES, HeadOffice, PrincipalInput
from equity.rest import (
    CentsField,
    IsComplianceOfficer,
    IsIssuer,
    StrictBooleanField,
    StrictIntegerField,
    error_responses,
    parse,
)

# --- serializers -------------------------------------------------------------


class HeadOfficeSerializer(serializers.Serializer):
    street = serializers.CharField(max_length=200)
    city = serializers.CharField(max_length=100)
    province = serializers.CharField(max_length=3)
    postal_code = serializers.CharField(max_length=16)
    country = serializers.CharField(max_length=2)


class DeclarationsSerializer(serializers.Serializer):
    cease_trade_order = StrictBooleanField()
    securities_sanction = StrictBooleanField()
    fraud_conviction = StrictBooleanField()
    bankruptcy = StrictBooleanField()


class DeclarationDatesSerializer(serializers.Serializer):
    cease_trade_order = serializers.DateField(required=False)
    securities_sanction = serializers.DateField(required=False)
    fraud_conviction = serializers.DateField(required=False)
    bankruptcy = serializers.DateField(required=False)


class PrincipalInputSerializer(serializers.Serializer):
    full_name = serializers.CharField(max_length=200)
    roles = serializers.ListField(child=serializers.ChoiceField(choices=ROLES), min_length=1)
    residence_country = serializers.CharField(max_length=2)
    declarations = DeclarationsSerializer()
    declaration_dates = DeclarationDatesSerializer(required=False)


class ViolationSerializer(serializers.Serializer):
    rule = serializers.CharField(allow_null=True)
    code = serializers.CharField()
    detail = serializers.CharField()


class EligibilitySerializer(serializers.Serializer):
    eligible = serializers.BooleanField()
    violations = ViolationSerializer(many=True, source="violation_dicts")


class PrincipalOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())
    residence_country = serializers.CharField()
    declarations = serializers.DictField(child=serializers.BooleanField())
    declaration_dates = serializers.DictField(child=serializers.CharField())
    overridden = serializers.BooleanField()


class IssuerOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    legal_name = serializers.CharField()
    legal_form = serializers.CharField()
    head_office = HeadOfficeSerializer()
    is_reporting_issuer = serializers.BooleanField()
    is_investment_fund = serializers.BooleanField()
    is_blind_pool = serializers.BooleanField()
    business_description = serializers.CharField()
    principals = PrincipalOutputSerializer(many=True)
    affiliates = serializers.ListField(child=serializers.IntegerField())
    group_id = serializers.IntegerField()
    eligibility = EligibilitySerializer()


def issuer_body(issuer: Issuer) -> dict[str, Any]:
    """Return the contract's issuer body, eligibility computed now."""
    eligibility = services.issuer_eligibility(issuer=issuer)
    return IssuerOutputSerializer(
        {
            "id": issuer.pk,
            "legal_name": issuer.legal_name,
            "legal_form": issuer.legal_form,
            "head_office": {
                "street": issuer.street,
                "city": issuer.city,
                "province": issuer.province,
                "postal_code": issuer.postal_code,
                "country": issuer.country,
            },
            "is_reporting_issuer": issuer.is_reporting_issuer,
            "is_investment_fund": issuer.is_investment_fund,
            "is_blind_pool": issuer.is_blind_pool,
            "business_description": issuer.business_description,
            "principals": [
                {
                    "id": p.pk,
                    "full_name": p.full_name,
                    "roles": p.roles,
                    "residence_country": p.residence_country,
                    "declarations": p.declarations,
                    "declaration_dates": p.declaration_dates,
                    "overridden": p.overrides.exists(),
                }
                for p in issuer.principals.order_by("pk")
            ],
            "affiliates": sorted(issuer.affiliates.values_list("pk", flat=True)),
            "group_id": eligibility.group_id,
            "eligibility": {
                "eligible": eligibility.eligible,
                "violation_dicts": [v.as_dict() for v in eligibility.violations],
            },
        }
    ).data


def _issuer_for(user: Any, issuer_id: int) -> Issuer:
    issuer = Issuer.objects.filter(pk=issuer_id).first()
    if issuer is None:
        raise NotFound()
    if not (user.is_compliance_officer or issuer.owner_id == user.pk):
        raise PermissionDenied()
    return issuer


# --- issuers -------------------------------------------------------------------


class IssuerCreateApi(APIView):
    permission_classes = [IsIssuer]

    class InputSerializer(serializers.Serializer):
        legal_name = serializers.CharField(max_length=200)
        legal_form = serializers.ChoiceField(choices=LegalForm.choices)
        head_office = HeadOfficeSerializer()
        is_reporting_issuer = StrictBooleanField()
        is_investment_fund = StrictBooleanField()
        is_blind_pool = StrictBooleanField(default=False)
        business_description = serializers.CharField(allow_blank=True)
        principals = PrincipalInputSerializer(many=True)
        affiliates = serializers.ListField(child=StrictIntegerField(min_value=1), default=list)

    FIELD_RULES = {
        "head_office": "R01",
        "is_reporting_issuer": "R02",
        "is_investment_fund": "R03",
        "business_description": "R04",
        "principals": "R05",
        "affiliates": "R06",
    }

    @extend_schema(
        request=InputSerializer,
        responses={201: IssuerOutputSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request: Request) -> Response:
        data = parse(self.InputSerializer, request.data, field_rules=self.FIELD_RULES)
        issuer, _eligibility = services.issuer_create(
            owner=request.user,
            legal_name=data["legal_name"],
            legal_form=data["legal_form"],
            head_office=HeadOffice(**data["head_office"]),
            is_reporting_issuer=data["is_reporting_issuer"],
            is_investment_fund=data["is_investment_fund"],
            is_blind_pool=data["is_blind_pool"],
            business_description=data["business_description"],
            principals=[
                PrincipalInput(
                    full_name=p["full_name"],
                    roles=p["roles"],
                    residence_country=p["residence_country"],
                    declarations=dict(p["declarations"]),
                    declaration_dates=dict(p.get("declaration_dates", {})),
                )
                for p in data["principals"]
            ],
            affiliate_ids=data["affiliates"],
        )
        return Response(issuer_body(issuer), status=status.HTTP_201_CREATED)


class IssuerDetailApi(APIView):
    @extend_schema(responses={200: IssuerOutputSerializer, **error_responses(401, 403, 404)})
    def get(self, request: Request, issuer_id: int) -> Response:
        return Response(issuer_body(_issuer_for(request.user, issuer_id)))


class IssuerCapApi(APIView):
    class OutputSerializer(serializers.Serializer):
        rulebook = serializers.CharField()
        rulebook_version = serializers.IntegerField()
        limit_cents = serializers.IntegerField()
        window_start = serializers.DateField()
        window_end = serializers.DateField()
        raised_cents = serializers.IntegerField()
        reserved_cents = serializers.IntegerField()
        headroom_cents = serializers.IntegerField()

    @extend_schema(responses={200: OutputSerializer, **error_responses(401, 403, 404)})
    def get(self, request: Request, issuer_id: int) -> Response:
        issuer = _issuer_for(request.user, issuer_id)
        return Response(self.OutputSerializer(issuer_cap(issuer, as_of=clock.today())).data)


class IssuerAffiliateAddApi(APIView):
    class InputSerializer(serializers.Serializer):
        issuer_id = StrictIntegerField(min_value=1)

    @extend_schema(
        request=InputSerializer,
        responses={200: IssuerOutputSerializer, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request: Request, issuer_id: int) -> Response:
        _issuer_for(request.user, issuer_id)  # the caller is refused before their body is read
        data = parse(self.InputSerializer, request.data, field_rules={"issuer_id": "R06"})
        issuer = services.issuer_affiliate_add(
            actor=request.user, issuer_id=issuer_id, affiliate_id=data["issuer_id"]
        )
        return Response(issuer_body(issuer))


class PrincipalOverrideApi(APIView):
    permission_classes = [IsComplianceOfficer]

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField()

    @extend_schema(
        request=InputSerializer,
        responses={
            201: inline_serializer(
                "Override",
                {
                    "id": serializers.IntegerField(),
                    "principal": serializers.IntegerField(),
                    "reason": serializers.CharField(),
                },
            ),
            **error_responses(400, 401, 403, 404, 409),
        },
    )
    def post(self, request: Request, principal_id: int) -> Response:
        data = parse(self.InputSerializer, request.data, field_rules={"reason": "R05"})
        override = services.principal_override_record(
            officer=request.user, principal_id=principal_id, reason=data["reason"]
        )
        return Response(
            {"id": override.pk, "principal": override.principal_id, "reason": override.reason},
            status=status.HTTP_201_CREATED,
        )


# --- offerings -----------------------------------------------------------------


class BondTermsSerializer(serializers.Serializer):
    annual_rate_bps = StrictIntegerField(min_value=0, max_value=100_000)
    term_months = StrictIntegerField(min_value=1, max_value=1200)
    interest_frequency = serializers.ChoiceField(choices=INTEREST_FREQUENCIES)


class OfferingOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    issuer = serializers.IntegerField(source="issuer_id")
    title = serializers.CharField()
    summary = serializers.CharField()
    state = serializers.CharField()
    rulebook = serializers.CharField(source="rulebook_code")
    rulebook_version = serializers.IntegerField(
        source="rulebook.version", allow_null=True, default=None
    )
    security_type = serializers.CharField()
    currency = serializers.CharField()
    price_per_security_cents = serializers.IntegerField()
    minimum_amount_cents = serializers.IntegerField()
    maximum_amount_cents = serializers.IntegerField()
    raised_cents = serializers.IntegerField()
    subscriber_count = serializers.SerializerMethodField()
    distribution_days = serializers.IntegerField()
    language = serializers.CharField()
    use_of_funds = serializers.CharField()
    risk_factors = serializers.CharField()
    bond_terms = serializers.SerializerMethodField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)
    opened_at = serializers.DateTimeField(allow_null=True)
    closes_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)
    rejection_reason = serializers.CharField()
    documents = serializers.SerializerMethodField()

    def get_subscriber_count(self, offering: Offering) -> int:
        return subscriber_count(offering)

    def get_bond_terms(self, offering: Offering) -> dict[str, Any] | None:
        if offering.security_type != SecurityType.DEBT:
            return None
        return {
            "annual_rate_bps": offering.annual_rate_bps,
            "term_months": offering.term_months,
            "interest_frequency": offering.interest_frequency,
        }

    def get_documents(self, offering: Offering) -> list[dict[str, Any]]:
        from equity.documents.selectors import public_documents

        return public_documents(offering)


def _offering_for(user: Any, offering_id: int) -> Offering:
    offering = offerings_visible_to(user).filter(pk=offering_id).first()
    if offering is None:
        if Offering.objects.filter(pk=offering_id).exists():
            raise PermissionDenied()
        raise NotFound()
    return offering


def _require_offering_owner(user: Any, offering_id: int) -> None:
    """Refuse anyone but the offering's issuer before their body is read (404, then 403)."""
    owner_id = (
        Offering.objects.filter(pk=offering_id).values_list("issuer__owner_id", flat=True).first()
    )
    if owner_id is None:
        raise NotFound()
    if owner_id != user.pk:
        raise PermissionDenied()


class OfferingCreateApi(APIView):
    permission_classes = [IsIssuer]

    class InputSerializer(serializers.Serializer):
        issuer = StrictIntegerField(min_value=1)
        title = serializers.CharField(max_length=200)
        summary = serializers.CharField()
        security_type = serializers.ChoiceField(choices=SecurityType.choices)
        price_per_security_cents = CentsField()
        minimum_amount_cents = CentsField()
        maximum_amount_cents = CentsField()
        distribution_days = StrictIntegerField(min_value=1, max_value=3650)
        language = serializers.ChoiceField(choices=[("fr", "fr"), ("en", "en")], default="fr")
        use_of_funds = serializers.CharField()
        risk_factors = serializers.CharField()
        bond_terms = BondTermsSerializer(required=False, allow_null=True)
        rulebook = serializers.SlugField(default="ni45-110")

    FIELD_RULES = {
        "security_type": "R10",
        "bond_terms": "R10",
        "price_per_security_cents": "R11",
        "minimum_amount_cents": "R11",
        "maximum_amount_cents": "R11",
        "distribution_days": "R12",
    }

    @extend_schema(
        request=InputSerializer,
        responses={201: OfferingOutputSerializer, **error_responses(400, 401, 403, 422)},
    )
    def post(self, request: Request) -> Response:
        data = parse(self.InputSerializer, request.data, field_rules=self.FIELD_RULES)
        bond = data.get("bond_terms")
        offering = services.offering_create(
            actor=request.user,
            issuer_id=data["issuer"],
            title=data["title"],
            summary=data["summary"],
            security_type=data["security_type"],
            price_per_security_cents=data["price_per_security_cents"],
            minimum_amount_cents=data["minimum_amount_cents"],
            maximum_amount_cents=data["maximum_amount_cents"],
            distribution_days=data["distribution_days"],
            language=data["language"],
            use_of_funds=data["use_of_funds"],
            risk_factors=data["risk_factors"],
            bond_terms=BondTerms(**bond) if bond else None,
            rulebook_code=data["rulebook"],
        )
        return Response(OfferingOutputSerializer(offering).data, status=status.HTTP_201_CREATED)


class OfferingDetailApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: OfferingOutputSerializer, **error_responses(403, 404)})
    def get(self, request: Request, offering_id: int) -> Response:
        return Response(OfferingOutputSerializer(_offering_for(request.user, offering_id)).data)


class OfferingTransitionApi(APIView):
    """A transition of CONTRACT.md: parse the body, call the service, render the offering."""

    permission_classes = [IsAuthenticated]
    InputSerializer: type[serializers.Serializer] | None = None

    def perform(self, request: Request, offering_id: int, data: dict[str, Any]) -> Offering:
        raise NotImplementedError

    def post(self, request: Request, offering_id: int) -> Response:
        data = parse(self.InputSerializer, request.data) if self.InputSerializer else {}
        offering = self.perform(request, offering_id, data)
        return Response(OfferingOutputSerializer(offering).data)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class OptionalReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


def _transition_schema(request: type[serializers.Serializer] | None, *statuses: int):
    return extend_schema(
        request=request,
        responses={200: OfferingOutputSerializer, **error_responses(401, 403, 404, 409, *statuses)},
    )


class OfferingSubmitApi(OfferingTransitionApi):
    @_transition_schema(None, 422)
    def post(self, request: Request, offering_id: int) -> Response:
        return super().post(request, offering_id)

    def perform(self, request, offering_id, data):
        return services.offering_submit(actor=request.user, offering_id=offering_id)


class OfferingApproveApi(OfferingTransitionApi):
    permission_classes = [IsComplianceOfficer]

    class InputSerializer(serializers.Serializer):
        note = serializers.CharField(required=False, allow_blank=True, default="")

    @_transition_schema(InputSerializer, 400, 422)
    def post(self, request: Request, offering_id: int) -> Response:
        return super().post(request, offering_id)

    def perform(self, request, offering_id, data):
        return services.offering_approve(
            officer=request.user, offering_id=offering_id, note=data["note"]
        )


class OfferingRejectApi(OfferingTransitionApi):
    permission_classes = [IsComplianceOfficer]
    InputSerializer = ReasonSerializer

    @_transition_schema(ReasonSerializer, 400)
    def post(self, request: Request, offering_id: int) -> Response:
        return super().post(request, offering_id)

    def perform(self, request, offering_id, data):
        return services.offering_reject(
            officer=request.user, offering_id=offering_id, reason=data["reason"]
        )


class OfferingOpenApi(OfferingTransitionApi):
    @_transition_schema(None, 422)
    def post(self, request: Request, offering_id: int) -> Response:
        return super().post(request, offering_id)

    def perform(self, request, offering_id, data):
        return services.offering_open(actor=request.user, offering_id=offering_id)


class OfferingSuspendApi(OfferingTransitionApi):
    permission_classes = [IsComplianceOfficer]
    InputSerializer = ReasonSerializer

    @_transition_schema(ReasonSerializer, 400)
    def post(self, request: Request, offering_id: int) -> Response:
        return super().post(request, offering_id)

    def perform(self, request, offering_id, data):
        return services.offering_suspend(
            officer=request.user, offering_id=offering_id, reason=data["reason"]
        )


class OfferingResumeApi(OfferingTransitionApi):
    permission_classes = [IsComplianceOfficer]
    InputSerializer = ReasonSerializer

    @_transition_schema(ReasonSerializer, 400)
    def post(self, request: Request, offering_id: int) -> Response:
        return super().post(request, offering_id)

    def perform(self, request, offering_id, data):
        return services.offering_resume(
            officer=request.user, offering_id=offering_id, reason=data["reason"]
        )


class OfferingCancelApi(OfferingTransitionApi):
    InputSerializer = OptionalReasonSerializer

    @_transition_schema(OptionalReasonSerializer, 400)
    def post(self, request: Request, offering_id: int) -> Response:
        return super().post(request, offering_id)

    def perform(self, request, offering_id, data):
        return services.offering_cancel(
            actor=request.user, offering_id=offering_id, reason=data["reason"]
        )


class OfferingAmendApi(APIView):
    class InputSerializer(serializers.Serializer):
        summary = serializers.CharField()
        changes = serializers.DictField(allow_empty=False)

    class OutputSerializer(serializers.Serializer):
        offering = OfferingOutputSerializer()
        amendment = serializers.IntegerField(source="number")
        subscribers_notified = serializers.IntegerField()

    @extend_schema(
        request=InputSerializer,
        responses={200: OutputSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, offering_id: int) -> Response:
        _require_offering_owner(request.user, offering_id)
        data = parse(
            self.InputSerializer, request.data, field_rules={"summary": "R16", "changes": "R16"}
        )
        amendment = services.offering_amend(
            actor=request.user,
            offering_id=offering_id,
            summary=data["summary"],
            changes=data["changes"],
        )
        return Response(self.OutputSerializer(amendment).data)
