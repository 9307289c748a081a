"""Attachments: owners upload and delete; content, size and access are checked; files stay private."""

from __future__ import annotations

import hashlib
import io
import logging
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app import storage
from app.extensions import db
from app.models import Attachment, AuditEvent, ListingStatus, OrgStatus, Role, StoredFile, User
from tests import files
from tests.conftest import login
from tests.factories import make_capability, make_org, make_scenario, make_user


def stored_keys() -> list[str]:
    """The keys of every file in the store."""
    return list(db.session.scalars(sa.select(StoredFile.key).order_by(StoredFile.key)))


def upload(client: FlaskClient, url: str, name: str, data: bytes) -> Any:
    return client.post(
        url, data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


def attachments() -> list[Attachment]:
    return list(db.session.scalars(sa.select(Attachment).order_by(Attachment.id)))


@pytest.fixture
def draft(publisher: User) -> int:
    return make_scenario(publisher.organization, ListingStatus.DRAFT).id


def test_an_owner_uploads_a_pdf_stored_outside_static_under_a_random_name(
    client: FlaskClient, publisher: User, draft: int
) -> None:
    login(client, publisher)
    url = f"/my/scenarios/{draft}/attachments"
    response = upload(client, url, "建设方案.pdf", files.pdf())
    assert response.status_code == 302
    assert response.headers["Location"] == url
    [item] = attachments()
    assert (item.filename, item.kind, item.size) == ("建设方案.pdf", "pdf", len(files.pdf()))
    assert item.scenario_id == draft
    assert item.uploader_id == publisher.id
    assert storage.read(item.stored_name) == files.pdf()
    assert stored_keys() == [item.stored_name]
    assert item.sha256 == hashlib.sha256(files.pdf()).hexdigest()
    assert len(item.stored_name) == 32
    assert "pdf" not in item.stored_name
    assert not list((Path(__file__).resolve().parents[2] / "static").rglob(item.stored_name))
    html = client.get(url).get_data(as_text=True)
    assert "建设方案.pdf" in html
    assert publisher.name in html
    assert "已上传附件" in html
    detail = client.get(f"/scenarios/{draft}").get_data(as_text=True)
    assert "建设方案.pdf" in detail
    assert "管理附件" in detail
    audit = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "attach")).one()
    assert audit.note == "建设方案.pdf"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("方案.pdf", files.png(), "与扩展名“.pdf”不符，已拒绝上传。"),
        ("方案.pdf", files.exe(), "内容不是有效的PDF 文档"),
        ("setup.exe", files.exe(), "不支持的文件类型“.exe”"),
        ("方案.docx", files.plain_zip(), "内容不是有效的Word 文档（docx）"),
        ("空.pdf", b"", "文件是空的"),
    ],
)
def test_refused_uploads_leave_no_row_and_no_file(
    client: FlaskClient,
    publisher: User,
    draft: int,
    name: str,
    data: bytes,
    message: str,
) -> None:
    login(client, publisher)
    response = upload(client, f"/my/scenarios/{draft}/attachments", name, data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert attachments() == []
    assert stored_keys() == []


def test_a_missing_file_is_asked_for(client: FlaskClient, publisher: User, draft: int) -> None:
    login(client, publisher)
    response = client.post(f"/my/scenarios/{draft}/attachments", data={})
    assert "请选择要上传的文件。" in response.get_data(as_text=True)


def test_the_size_limit_is_configurable(
    app: Flask,
    client: FlaskClient,
    publisher: User,
    draft: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_BYTES", 1024)
    login(client, publisher)
    big = files.pdf() + b"0" * 2048
    response = upload(client, f"/my/scenarios/{draft}/attachments", "大文件.pdf", big)
    assert "单个附件不能超过 1 KB" in response.get_data(as_text=True)
    assert attachments() == []
    assert stored_keys() == []


def test_a_request_over_the_content_length_limit_gets_a_clear_413(
    app: Flask, client: FlaskClient, publisher: User, draft: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    login(client, publisher)
    response = upload(
        client, f"/my/scenarios/{draft}/attachments", "大文件.pdf", files.pdf() + b"0" * 8192
    )
    assert response.status_code == 413
    assert "上传的文件过大，单个附件不能超过 10 MB" in response.get_data(as_text=True)


def test_the_default_limits(app: Flask) -> None:
    assert app.config["ATTACHMENT_MAX_BYTES"] == 10 * 1024 * 1024
    assert app.config["MAX_CONTENT_LENGTH"] > app.config["ATTACHMENT_MAX_BYTES"]


def test_downloads_are_attachments_with_a_safe_chinese_file_name(
    client: FlaskClient, firm: User
) -> None:
    capability = make_capability(firm.organization, ListingStatus.DRAFT)
    login(client, firm)
    upload(client, f"/my/capabilities/{capability.id}/attachments", "产品 白皮书.pdf", files.pdf())
    [item] = attachments()
    response = client.get(f"/attachments/{item.id}")
    assert response.status_code == 200
    assert response.data == files.pdf()
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="attachment-{item.id}.pdf"; ')
    assert "filename*=UTF-8''%E4%BA%A7%E5%93%81%20%E7%99%BD%E7%9A%AE%E4%B9%A6.pdf" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    response.close()


def test_ascii_names_are_kept_in_the_plain_filename(client: FlaskClient, firm: User) -> None:
    capability = make_capability(firm.organization, ListingStatus.DRAFT)
    login(client, firm)
    upload(
        client,
        f"/my/capabilities/{capability.id}/attachments",
        "offer-2025.xlsx",
        files.ooxml("xlsx"),
    )
    [item] = attachments()
    response = client.get(f"/attachments/{item.id}")
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"offer-2025.xlsx\"; filename*=UTF-8''offer-2025.xlsx"
    )
    assert response.mimetype.endswith("spreadsheetml.sheet")
    response.close()


def test_the_served_type_is_the_detected_one(client: FlaskClient, firm: User) -> None:
    capability = make_capability(firm.organization, ListingStatus.DRAFT)
    login(client, firm)
    client.post(
        f"/my/capabilities/{capability.id}/attachments",
        data={"file": (io.BytesIO(files.png()), "图.png", "text/html")},
        content_type="multipart/form-data",
    )
    [item] = attachments()
    response = client.get(f"/attachments/{item.id}")
    assert response.mimetype == "image/png"
    response.close()


def stored(listing_org: Any, status: ListingStatus) -> int:
    """A scenario attachment written directly (as if uploaded earlier)."""
    scenario = make_scenario(listing_org, status)
    item = Attachment(
        scenario_id=scenario.id,
        filename="方案.pdf",
        stored_name=storage.put(files.pdf()).key,
        kind="pdf",
        size=len(files.pdf()),
        sha256="0" * 64,
    )
    db.session.add(item)
    db.session.commit()
    return item.id


ROLES = ["anonymous", "owner", "approved_firm", "pending_firm", "admin"]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (ListingStatus.PUBLISHED, ["login", 200, 200, 404, 200]),
        (ListingStatus.DRAFT, ["login", 200, 404, 404, 200]),
        (ListingStatus.PENDING, ["login", 200, 404, 404, 200]),
        (ListingStatus.WITHDRAWN, ["login", 200, 404, 404, 200]),
    ],
)
def test_download_access(
    client: FlaskClient,
    publisher: User,
    status: ListingStatus,
    expected: list[Any],
) -> None:
    item = stored(publisher.organization, status)
    users = {
        "anonymous": None,
        "owner": publisher,
        "approved_firm": make_user(make_org(Role.FIRM)),
        "pending_firm": make_user(make_org(Role.FIRM, OrgStatus.PENDING)),
        "admin": make_user(None, Role.REVIEWER),
    }
    for role, want in zip(ROLES, expected, strict=True):
        login(client, users[role])
        response = client.get(f"/attachments/{item}")
        response.close()  # a sent file stays open until the server closes the response
        if want == "login":
            assert response.status_code == 302, role
            assert response.headers["Location"].startswith("/auth/login?next="), role
        else:
            assert response.status_code == want, role


def test_detail_pages_list_files_only_to_those_who_may_download(
    client: FlaskClient, publisher: User
) -> None:
    item = stored(publisher.organization, ListingStatus.PUBLISHED)
    scenario_id = db.session.get_one(Attachment, item).scenario_id
    html = client.get(f"/scenarios/{scenario_id}").get_data(as_text=True)
    assert "共 1 个附件" in html
    assert f"/attachments/{item}" not in html
    login(client, make_user(make_org(Role.FIRM)))
    html = client.get(f"/scenarios/{scenario_id}").get_data(as_text=True)
    assert f"/attachments/{item}" in html
    assert "方案.pdf" in html
    assert "管理附件" not in html


def test_the_owner_deletes_an_attachment_and_its_file(
    client: FlaskClient, publisher: User, draft: int
) -> None:
    login(client, publisher)
    upload(client, f"/my/scenarios/{draft}/attachments", "方案.pdf", files.pdf())
    [item] = attachments()
    key = item.stored_name
    # another organisation cannot
    login(client, make_user(make_org(Role.PUBLISHER)))
    assert client.post(f"/attachments/{item.id}/delete").status_code == 404
    assert storage.read(key) == files.pdf()
    login(client, publisher)
    response = client.post(f"/attachments/{item.id}/delete")
    assert response.headers["Location"] == f"/my/scenarios/{draft}/attachments"
    assert attachments() == []
    assert storage.read(key) is None
    assert stored_keys() == []


def test_deleting_an_attachment_keeps_the_other_attachments_bytes(
    client: FlaskClient, publisher: User, draft: int
) -> None:
    login(client, publisher)
    upload(client, f"/my/scenarios/{draft}/attachments", "方案.pdf", files.pdf())
    upload(client, f"/my/scenarios/{draft}/attachments", "报价.xlsx", files.ooxml("xlsx"))
    item, kept = attachments()
    client.post(f"/attachments/{item.id}/delete")
    assert attachments() == [kept]
    assert stored_keys() == [kept.stored_name]
    response = client.get(f"/attachments/{kept.id}")
    assert response.data == files.ooxml("xlsx")
    response.close()


def test_published_listings_keep_their_files_as_reviewed(
    client: FlaskClient, publisher: User
) -> None:
    item = stored(publisher.organization, ListingStatus.PUBLISHED)
    scenario_id = db.session.get_one(Attachment, item).scenario_id
    login(client, publisher)
    url = f"/my/scenarios/{scenario_id}/attachments"
    html = client.get(url).get_data(as_text=True)
    assert "“已发布”状态的内容不能修改附件。" in html
    assert 'enctype="multipart/form-data"' not in html
    response = upload(client, url, "新方案.pdf", files.pdf())
    assert "“已发布”状态的内容不能修改附件。" in response.get_data(as_text=True)
    client.post(f"/attachments/{item}/delete")
    assert len(attachments()) == 1
    assert stored_keys() == [attachments()[0].stored_name]


def test_other_organisations_cannot_open_the_upload_page(
    client: FlaskClient, publisher: User, draft: int
) -> None:
    login(client, make_user(make_org(Role.PUBLISHER)))
    url = f"/my/scenarios/{draft}/attachments"
    assert client.get(url).status_code == 404
    assert upload(client, url, "方案.pdf", files.pdf()).status_code == 404
    assert attachments() == []


def test_a_listing_holds_at_most_twenty_files(
    client: FlaskClient, publisher: User, draft: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.attachments import services

    monkeypatch.setattr(services, "MAX_PER_LISTING", 2)
    login(client, publisher)
    url = f"/my/scenarios/{draft}/attachments"
    upload(client, url, "一.pdf", files.pdf())
    upload(client, url, "二.pdf", files.pdf())
    response = upload(client, url, "三.pdf", files.pdf())
    assert "每条内容最多上传2个附件" in response.get_data(as_text=True)
    assert len(attachments()) == 2


def test_an_attachment_whose_bytes_are_missing_answers_not_found_and_is_logged(
    client: FlaskClient, publisher: User, caplog: pytest.LogCaptureFixture
) -> None:
    item = stored(publisher.organization, ListingStatus.PUBLISHED)
    storage.delete(db.session.get_one(Attachment, item).stored_name)
    db.session.commit()
    login(client, publisher)
    with caplog.at_level(logging.ERROR):
        assert client.get(f"/attachments/{item}").status_code == 404
    assert f"attachment {item} has no stored file" in caplog.text
