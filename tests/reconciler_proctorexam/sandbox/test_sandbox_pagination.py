"""Listing pages: sizes, headers, and walking every page returns each institute exactly once."""

from __future__ import annotations

import math
from typing import Any

import pytest

from reconciler_proctorexam.sandbox import Sandbox


def _seed(count: int) -> list[dict[str, Any]]:
    return [{"name": f"Institute {n}", "short_name": f"i{n}"} for n in range(count)]


def _walk(client: Any, limit: int | None = None) -> tuple[list[int], list[dict[str, str]]]:
    """Every id, page by page, and the pagination headers of every page."""
    ids: list[int] = []
    headers: list[dict[str, str]] = []
    page = 1
    while True:
        params: dict[str, Any] = {"page": page}
        if limit is not None:
            params["limit"] = limit
        response = client.get("/institutes", params)
        assert response.status_code == 200, response.text
        headers.append({k: v for k, v in response.headers.items() if k.startswith("x-pagination")})
        ids.extend(i["id"] for i in response.json()["institutes"])
        if page >= int(response.headers["x-pagination-page-count"]):
            return ids, headers
        page += 1


@pytest.mark.parametrize("count", [0, 1, 300, 301, 10_000])
def test_walking_the_pages_returns_each_institute_once(
    proctorexam_sandbox_factory: Any, caller: Any, count: int
) -> None:
    sandbox: Sandbox = proctorexam_sandbox_factory(seed=_seed(count))
    ids, headers = _walk(caller(sandbox))
    assert ids == list(range(1, count + 1))
    pages = math.ceil(count / 300)
    assert len(headers) == max(pages, 1)
    for number, page_headers in enumerate(headers, start=1):
        assert page_headers == {
            "x-pagination-item-count": str(count),
            "x-pagination-page-count": str(pages),
            "x-pagination-page": str(number),
            "x-pagination-limit": "300",
        }


def test_the_last_page_holds_the_remainder(proctorexam_sandbox_factory: Any, caller: Any) -> None:
    client = caller(proctorexam_sandbox_factory(seed=_seed(301)))
    assert len(client.get("/institutes", {"page": 1}).json()["institutes"]) == 300
    assert [i["id"] for i in client.get("/institutes", {"page": 2}).json()["institutes"]] == [301]


def test_a_smaller_limit_makes_more_pages(proctorexam_sandbox_factory: Any, caller: Any) -> None:
    ids, headers = _walk(caller(proctorexam_sandbox_factory(seed=_seed(25))), limit=10)
    assert ids == list(range(1, 26))
    assert [h["x-pagination-page-count"] for h in headers] == ["3", "3", "3"]
    assert {h["x-pagination-limit"] for h in headers} == {"10"}


def test_a_limit_above_300_is_lowered(proctorexam_sandbox_factory: Any, caller: Any) -> None:
    response = caller(proctorexam_sandbox_factory(seed=_seed(301))).get(
        "/institutes", {"limit": 1000}
    )
    assert response.headers["x-pagination-limit"] == "300"
    assert len(response.json()["institutes"]) == 300


def test_a_page_beyond_the_last_is_empty(proctorexam_sandbox_factory: Any, caller: Any) -> None:
    response = caller(proctorexam_sandbox_factory(seed=_seed(3))).get("/institutes", {"page": 5})
    assert response.status_code == 200
    assert response.json() == {"institutes": []}
    assert response.headers["x-pagination-page"] == "5"
    assert response.headers["x-pagination-page-count"] == "1"


def test_deleted_and_created_institutes_keep_the_id_order(seeded: Sandbox, caller: Any) -> None:
    client = caller(seeded)
    client.post("/institutes", {"name": "Third", "short_name": "third"})
    assert client.delete("/institutes/1").status_code == 200
    ids, _ = _walk(client)
    assert ids == [2, 3]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"page": 0}, "invalid_parameter"),
        ({"page": "two"}, "invalid_parameter"),
        ({"limit": 0}, "invalid_parameter"),
        ({"limit": -1}, "invalid_parameter"),
        ({"sort": "name"}, "unknown_parameter"),
    ],
)
def test_bad_paging_parameters_are_400s(api: Any, params: dict[str, Any], code: str) -> None:
    response = api.get("/institutes", params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
