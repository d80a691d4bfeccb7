"""P02: the hash-chained audit log, its verification and its protection."""

from __future__ import annotations

import json
from itertools import pairwise

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from equity.compliance import audit as audit_module
from equity.compliance.audit import (
    GENESIS_HASH,
    audit_append,
    canonical_data,
    event_hash,
    verify_chain,
)
from equity.compliance.models import AuditEvent
from tests.support.concurrency import run_concurrently
from tests.support.tamper import tamper

pytestmark = pytest.mark.django_db


def _write_events(count: int) -> list[AuditEvent]:
    return [
        audit_append(
            actor="user:7",
            action="test.step",
            subject=f"offering:{n % 3}",
            data={"step": n, "amount_cents": 1_000 * n, "note": "élan"},
        )
        for n in range(1, count + 1)
    ]


def test_p02_events_link_each_to_the_previous_one():
    events = _write_events(5)

    assert [event.seq for event in events] == [1, 2, 3, 4, 5]
    assert events[0].prev_hash == GENESIS_HASH
    assert all(later.prev_hash == earlier.hash for earlier, later in pairwise(events))
    report = verify_chain()
    assert (report.ok, report.events, report.head) == (True, 5, events[-1].hash)


def test_p02_event_data_is_stored_as_the_canonical_text_its_hash_covers():
    event = audit_append(
        actor="system", action="test", subject="x", data={"note": "élan", "amount_cents": 5}
    )

    stored = AuditEvent.objects.get(seq=event.seq)
    assert stored.data_json == '{"amount_cents":5,"note":"élan"}'
    assert stored.data == {"amount_cents": 5, "note": "élan"}
    assert stored.hash == event_hash(
        GENESIS_HASH,
        seq=1,
        at=stored.at,
        actor="system",
        action="test",
        subject="x",
        data_json=stored.data_json,
    )


def test_p02_an_empty_chain_verifies():
    report = verify_chain()

    assert (report.ok, report.events, report.head) == (True, 0, GENESIS_HASH)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("data_json", json.dumps({"step": 3, "amount_cents": 999_999, "note": "élan"})),
        # The same data, the same keys and values, but not the canonical text that was hashed.
        ("data_json", json.dumps({"amount_cents": 3_000, "note": "élan", "step": 3})),
        ("actor", "user:8"),
        ("action", "test.other"),
        ("subject", "offering:99"),
        ("at", "2001-01-01 00:00:00"),
    ],
)
def test_p02_altering_any_field_of_an_event_names_that_event(column, value):
    _write_events(6)

    tamper(f"UPDATE compliance_auditevent SET {column} = %s WHERE seq = 3", [value])

    report = verify_chain()
    assert (report.ok, report.first_bad_seq) == (False, 3)
    assert "event 3" in report.reason


def test_p02_verify_audit_command_exits_1_naming_the_altered_event(capsys):
    _write_events(4)
    call_command("verify_audit")
    assert "4 events" in capsys.readouterr().out

    tamper("UPDATE compliance_auditevent SET actor = %s WHERE seq = 2", ["user:666"])

    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_audit")
    assert exit_info.value.code == 1
    assert "event 2" in capsys.readouterr().err


def test_p02_a_deleted_event_is_named_as_missing():
    _write_events(5)

    tamper("DELETE FROM compliance_auditevent WHERE seq = 4", [])

    report = verify_chain()
    assert (report.ok, report.first_bad_seq) == (False, 4)


def test_p02_a_truncated_tail_is_caught_by_the_head():
    _write_events(5)

    tamper("DELETE FROM compliance_auditevent WHERE seq = 5", [])

    report = verify_chain()
    assert (report.ok, report.first_bad_seq) == (False, 5)


def test_p02_events_appended_while_the_chain_is_verified_are_no_false_break(monkeypatch):
    _write_events(5)
    stored_rows = audit_module._stored_rows
    appended = []

    def rows_then_an_append(events):
        yield from stored_rows(events)
        if not appended:  # another writer commits between the walk and the head read
            appended.append(audit_append(actor="system", action="test.late", subject="x:1"))

    monkeypatch.setattr(audit_module, "_stored_rows", rows_then_an_append)

    report = verify_chain()

    assert (report.ok, report.events, report.head) == (True, 6, appended[0].hash)


def test_p02_an_event_stored_beyond_the_head_is_one_too_many():
    events = _write_events(3)
    forged_hash = event_hash(
        events[-1].hash,
        seq=4,
        at=events[-1].at,
        actor="x",
        action="forged",
        subject="y",
        data_json="{}",
    )
    tamper(
        "INSERT INTO compliance_auditevent"
        " (seq, at, actor, action, subject, data_json, prev_hash, hash)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        [4, events[-1].at, "x", "forged", "y", "{}", events[-1].hash, forged_hash],
    )

    report = verify_chain()

    assert (report.ok, report.first_bad_seq) == (False, 4)


def test_p02_a_recomputed_forgery_breaks_the_link_to_the_next_event():
    """An intruder who rewrites an event and its own hash still breaks the next link."""
    events = _write_events(4)
    forged = events[1]
    new_data = canonical_data({"step": 2, "amount_cents": 1, "note": "élan"})
    new_hash = event_hash(
        forged.prev_hash,
        seq=forged.seq,
        at=forged.at,
        actor=forged.actor,
        action=forged.action,
        subject=forged.subject,
        data_json=new_data,
    )
    tamper(
        "UPDATE compliance_auditevent SET data_json = %s, hash = %s WHERE seq = 2",
        [new_data, new_hash],
    )

    report = verify_chain()
    assert (report.ok, report.first_bad_seq) == (False, 3)


def test_p02_the_database_refuses_to_update_an_audit_event():
    _write_events(2)

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE compliance_auditevent SET actor = 'x' WHERE seq = 1")

    assert AuditEvent.objects.get(seq=1).actor == "user:7"


def test_p02_deleting_an_audit_event_is_refused_or_detected():
    """PostgreSQL refuses the DELETE; on SQLite the verification names the gap."""
    _write_events(3)

    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM compliance_auditevent WHERE seq = 2")
        assert AuditEvent.objects.count() == 3
        assert verify_chain().ok
    else:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM compliance_auditevent WHERE seq = 2")
        assert verify_chain().first_bad_seq == 2


def test_p02_audit_data_refuses_floats():
    with pytest.raises(TypeError):
        audit_append(actor="system", action="test", subject="x", data={"amount": 1.5})

    assert AuditEvent.objects.count() == 0


def test_p02_an_event_is_rolled_back_with_the_change_it_records():
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_append(actor="system", action="test", subject="x")
        raise RuntimeError("the change failed")

    assert AuditEvent.objects.count() == 0
    assert verify_chain().ok


def test_p02_verify_endpoint_reports_the_first_bad_event(api, officer, investor):
    _write_events(3)
    assert api(officer).get("/api/v1/audit/verify").json()["ok"] is True

    tamper("UPDATE compliance_auditevent SET action = %s WHERE seq = 2", ["test.forged"])

    body = api(officer).get("/api/v1/audit/verify").json()
    assert (body["ok"], body["first_bad_seq"], body["events"]) == (False, 2, 1)
    assert api(investor).get("/api/v1/audit/verify").status_code == 403


def test_p02_events_endpoint_filters_by_subject(api, officer):
    _write_events(6)

    body = api(officer).get("/api/v1/audit/events", {"subject": "offering:1"}).json()

    assert [event["seq"] for event in body] == [1, 4]
    assert {event["subject"] for event in body} == {"offering:1"}
    assert set(body[0]) == {"seq", "at", "actor", "action", "subject", "data", "hash"}


@pytest.mark.django_db(transaction=True)
def test_p02_chain_stays_linear_under_concurrent_writers():
    writers, per_writer = 8, 10

    def write(writer: int):
        def run() -> int:
            for step in range(per_writer):
                with transaction.atomic():
                    audit_append(
                        actor=f"user:{writer}",
                        action="test.concurrent",
                        subject=f"writer:{writer}",
                        data={"step": step},
                    )
            return writer

        return run

    outcomes = run_concurrently([write(n) for n in range(writers)])

    assert outcomes == list(range(writers))
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, writers * per_writer + 1))
    report = verify_chain()
    assert (report.ok, report.events) == (True, writers * per_writer)
