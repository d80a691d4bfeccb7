"""The purchaser's birth date is personal data: encrypted at rest, with rotating keys."""

from __future__ import annotations

from datetime import date

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from equity.crypto import decrypt
from equity.investors.models import InvestorProfile
from tests.investors.conftest import InvestorProfileFactory

BIRTH_DATE = date(1990, 5, 17)


def _stored(profile: InvestorProfile) -> str:
    """Return the birth date column exactly as the database holds it."""
    table = connection.ops.quote_name(InvestorProfile._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT birth_date FROM {table} WHERE id = %s", [profile.pk])
        (value,) = cursor.fetchone()
    return value


def _reread(profile: InvestorProfile) -> date:
    return InvestorProfile.objects.get(pk=profile.pk).birth_date


def test_birth_date_is_encrypted_at_rest(investor):
    profile = investor.investor_profile

    stored = _stored(profile)

    assert profile.birth_date == BIRTH_DATE
    assert "1990" not in stored
    assert "05-17" not in stored
    assert decrypt(stored) == "1990-05-17"
    assert _reread(profile) == BIRTH_DATE


def test_the_same_birth_date_is_stored_differently_each_time(investor, make_purchaser):
    twin = make_purchaser(birth_date=BIRTH_DATE)

    assert _stored(investor.investor_profile) != _stored(twin.investor_profile)
    assert _reread(investor.investor_profile) == _reread(twin.investor_profile) == BIRTH_DATE


def test_key_rotation_keeps_old_values_readable_until_they_are_re_encrypted(settings, db):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.EQUITY_FIELD_KEYS = [old_key]
    profile = InvestorProfileFactory(birth_date=BIRTH_DATE)
    written_with_old_key = _stored(profile)
    assert Fernet(old_key.encode()).decrypt(written_with_old_key.encode()) == b"1990-05-17"

    settings.EQUITY_FIELD_KEYS = [new_key, old_key]
    assert _reread(profile) == BIRTH_DATE

    InvestorProfile.objects.get(pk=profile.pk).save()

    settings.EQUITY_FIELD_KEYS = [new_key]
    assert _stored(profile) != written_with_old_key
    assert Fernet(new_key.encode()).decrypt(_stored(profile).encode()) == b"1990-05-17"
    assert _reread(profile) == BIRTH_DATE


def test_a_value_not_yet_re_encrypted_cannot_be_read_once_its_key_is_retired(settings, db):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.EQUITY_FIELD_KEYS = [old_key]
    profile = InvestorProfileFactory(birth_date=BIRTH_DATE)

    settings.EQUITY_FIELD_KEYS = [new_key]

    with pytest.raises(ImproperlyConfigured, match="rotate_field_keys"):
        _reread(profile)


def test_rotate_field_keys_command_re_encrypts_every_birth_date(settings, db):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.EQUITY_FIELD_KEYS = [old_key]
    profiles = [InvestorProfileFactory(birth_date=date(1980 + n, 1, 31)) for n in range(3)]
    settings.EQUITY_FIELD_KEYS = [new_key, old_key]

    call_command("rotate_field_keys")

    settings.EQUITY_FIELD_KEYS = [new_key]
    assert [_reread(profile) for profile in profiles] == [
        date(1980, 1, 31),
        date(1981, 1, 31),
        date(1982, 1, 31),
    ]


def test_the_profiles_repr_and_str_do_not_show_the_birth_date(investor):
    profile = InvestorProfile.objects.get(user=investor)

    assert repr(profile) == f"<InvestorProfile user={investor.pk}>"
    assert str(profile) == "lea@example.ca"
