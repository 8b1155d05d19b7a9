"""Roles: a superuser does everything; an institute administrator only reads and updates its own."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler_proctorexam.sandbox import Sandbox


@pytest.fixture
def admin(seeded: Sandbox, caller: Any) -> Any:
    """The administrator of institute 1 (ProctorExam); institute 2 is someone else's."""
    seeded.add_user("admin-token", "admin-secret", institute_id=1)
    return caller(seeded, token="admin-token", secret="admin-secret")


def _forbidden(response: Any) -> bool:
    return bool(response.status_code == 403 and response.json()["error"]["code"] == "forbidden")


def test_an_administrator_cannot_list(admin: Any) -> None:
    assert _forbidden(admin.get("/institutes"))


def test_an_administrator_cannot_create(admin: Any) -> None:
    assert _forbidden(admin.post("/institutes", {"name": "New", "short_name": "new"}))


def test_an_administrator_cannot_delete_even_its_own(admin: Any, seeded: Sandbox) -> None:
    assert _forbidden(admin.delete("/institutes/1"))
    assert len(seeded.institutes()) == 2


def test_an_administrator_cannot_touch_other_institutes(admin: Any) -> None:
    assert _forbidden(admin.get("/institutes/2"))
    assert _forbidden(admin.patch("/institutes/2", {"global_proctor": True}))
    assert _forbidden(admin.get("/institutes/999"))  # existence is not revealed either


def test_an_administrator_reads_and_updates_its_own(admin: Any, seeded: Sandbox) -> None:
    assert admin.get("/institutes/1").json()["institute"]["short_name"] == "proctorexam"
    updated = admin.patch("/institutes/1", {"exam_link_emails_enabled": False})
    assert updated.status_code == 200
    assert seeded.institutes()[0]["exam_link_emails_enabled"] is False


def test_a_superuser_does_everything(seeded: Sandbox, caller: Any) -> None:
    client = caller(seeded)
    assert client.get("/institutes").status_code == 200
    assert client.get("/institutes/2").status_code == 200
    assert client.patch("/institutes/2", {"global_proctor": True}).status_code == 200
    assert client.post("/institutes", {"name": "New", "short_name": "new"}).status_code == 201
    assert client.delete("/institutes/3").status_code == 200
