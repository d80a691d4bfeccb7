"""P02: the audit chain's canonical form is exactly the JSON the hash format names.

An event's data is stored as the canonical text that enters its hash, so the
stored text, put together with the other fields, is the canonical form.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from equity.compliance.audit import _canonical, canonical_data

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
MOMENTS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


def _reference(*, seq, at, actor, action, subject, data) -> bytes:
    payload = {
        "seq": seq,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": actor,
        "action": action,
        "subject": subject,
        "data": data,
    }
    return json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


@given(
    seq=st.integers(min_value=1, max_value=2**63 - 1),
    at=MOMENTS,
    actor=st.text(),
    action=st.text(),
    subject=st.text(),
    data=st.dictionaries(st.text(), JSON_VALUES, max_size=6),
)
def test_p02_canonical_form_is_the_sorted_compact_json_of_the_event(
    seq, at, actor, action, subject, data
):
    fields = {"seq": seq, "at": at, "actor": actor, "action": action, "subject": subject}

    assert _canonical(**fields, data_json=canonical_data(data)) == _reference(**fields, data=data)


def test_p02_canonical_time_is_utc_whatever_the_offset_or_a_naive_utc_reading():
    instant = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    fields = {"seq": 1, "actor": "system", "action": "a", "subject": "s"}
    elsewhere = instant.astimezone(timezone(timedelta(hours=-5)))

    assert (
        _canonical(at=elsewhere, data_json="{}", **fields)
        == _canonical(at=instant.replace(tzinfo=None), data_json="{}", **fields)
        == _reference(at=instant, data={}, **fields)
    )
