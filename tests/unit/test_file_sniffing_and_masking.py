"""Content checks of attachments, contact masking and the profile, contact and attachment policies (no HTTP, no database)."""

from __future__ import annotations

import pytest

from app.attachments import sniff
from app.attachments.services import clean_filename
from app.errors import DomainError
from app.models import ListingStatus, OrgStatus, Role
from app.security import policies
from app.template_helpers import mask_email, mask_phone
from tests import files
from tests.unit.policy_stubs import Anonymous, Listing, Org, User


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("方案.pdf", files.pdf(), "pdf"),
        ("截图.PNG", files.png(), "png"),
        ("现场.jpg", files.jpeg(), "jpeg"),
        ("现场.jpeg", files.jpeg(), "jpeg"),
        ("方案.docx", files.ooxml("docx"), "docx"),
        ("报价.xlsx", files.ooxml("xlsx"), "xlsx"),
        ("汇报.pptx", files.ooxml("pptx"), "pptx"),
        ("旧方案.doc", files.ole2("WordDocument"), "doc"),
        ("旧报价.xls", files.ole2("Workbook"), "xls"),
        ("更旧的报价.xls", files.ole2("Book"), "xls"),
    ],
)
def test_accepted_files_are_recognised_by_content(name: str, data: bytes, kind: str) -> None:
    assert sniff.check(name, data) == kind


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("方案.pdf", files.png(), "内容是PNG 图片，与扩展名“.pdf”不符"),
        ("方案.pdf", files.exe(), "内容不是有效的PDF 文档"),
        ("setup.exe", files.exe(), "不支持的文件类型“.exe”"),
        ("说明", files.pdf(), "不支持的文件类型“.无扩展名”"),
        ("方案.docx", files.plain_zip(), "内容不是有效的Word 文档（docx）"),
        ("方案.docx", files.ooxml("docx", content_types=False), "内容不是有效的Word"),
        ("报价.xlsx", files.ooxml("docx"), "内容是Word 文档（docx），与扩展名“.xlsx”不符"),
        ("旧方案.doc", files.ole2("Workbook"), "内容是Excel 表格（xls），与扩展名“.doc”不符"),
        ("旧方案.doc", files.ole2("Something"), "内容不是有效的Word 文档（doc）"),
        ("图.png", files.jpeg(), "内容是JPEG 图片，与扩展名“.png”不符"),
        ("网页.html", b"<html><script>alert(1)</script>", "不支持的文件类型“.html”"),
    ],
)
def test_refused_files_say_why_in_chinese(name: str, data: bytes, message: str) -> None:
    with pytest.raises(DomainError) as caught:
        sniff.check(name, data)
    assert message in caught.value.message
    assert caught.value.field == "file"


def test_a_use_case_may_narrow_the_accepted_kinds() -> None:
    kinds = ("pdf", "docx", "pptx")
    assert sniff.check("方案.docx", files.ooxml("docx"), kinds) == "docx"
    assert sniff.describe(kinds) == "PDF、DOCX 或 PPTX 文件"
    # refused by its name alone, before the content is read
    with pytest.raises(
        DomainError, match="不支持的文件类型“.xlsx”，只能上传PDF、DOCX 或 PPTX 文件"
    ):
        sniff.expected_kinds("报价.xlsx", kinds)
    with pytest.raises(DomainError, match="与扩展名“.docx”不符"):
        sniff.check("方案.docx", files.ooxml("pptx"), kinds)


def test_stream_names_count_only_in_directory_entries() -> None:
    # "WordDocument" in the body of a compound file (not at an entry boundary) is no stream
    data = files.ole2("Workbook") + b"\x00" + "WordDocument".encode("utf-16-le") + b"\x00\x00"
    assert sniff.detect(data, hint="doc") == "xls"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("方案.pdf", "方案.pdf"),
        ("C:\\Users\\张三\\方案.pdf", "方案.pdf"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("a\x00b\nc.pdf", "abc.pdf"),
        ("..", ""),
        ("长" * 300 + ".pdf", "长" * 196 + ".pdf"),
    ],
)
def test_file_names_lose_paths_and_control_characters(raw: str, clean: str) -> None:
    assert clean_filename(raw) == clean


@pytest.mark.parametrize(
    ("email", "masked"),
    [
        ("zhang@example.com", "z***@example.com"),
        ("a@b.cn", "a***@b.cn"),
        ("  wang.li@jinan.gov.cn ", "w***@jinan.gov.cn"),
        ("not-an-email", "***"),
        ("@example.com", "***"),
    ],
)
def test_email_masking(email: str, masked: str) -> None:
    assert mask_email(email) == masked


def test_phone_masking() -> None:
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("0531-66608001") == "0531-****8001"


ADMIN = User(Role.REVIEWER, None, None)
OWNER = User(Role.FIRM, 1, Org(1))
OTHER = User(Role.FIRM, 2, Org(2))
PENDING = User(Role.FIRM, 3, Org(3, OrgStatus.PENDING))
REJECTED = User(Role.PUBLISHER, 4, Org(4, OrgStatus.REJECTED))


def test_contacts_may_be_revealed_by_admins_and_approved_organisations_only() -> None:
    assert policies.can_reveal_contacts(ADMIN)
    assert policies.can_reveal_contacts(OTHER)
    assert not policies.can_reveal_contacts(PENDING)
    assert not policies.can_reveal_contacts(REJECTED)
    assert not policies.can_reveal_contacts(Anonymous())


def test_organisation_pages_are_public_once_approved() -> None:
    pending = Org(3, OrgStatus.PENDING)
    assert policies.can_view_organization(Anonymous(), Org(1))
    assert not policies.can_view_organization(Anonymous(), pending)
    assert not policies.can_view_organization(OTHER, pending)
    assert policies.can_view_organization(PENDING, pending), "its own members"
    assert policies.can_view_organization(ADMIN, pending)


@pytest.mark.parametrize(
    ("status", "owner", "other", "pending", "admin", "anonymous"),
    [
        (ListingStatus.PUBLISHED, True, True, False, True, False),
        (ListingStatus.DRAFT, True, False, False, True, False),
        (ListingStatus.PENDING, True, False, False, True, False),
        (ListingStatus.CLOSED, True, False, False, True, False),
    ],
)
def test_attachment_downloads(
    status: ListingStatus, owner: bool, other: bool, pending: bool, admin: bool, anonymous: bool
) -> None:
    listing = Listing(1, status)
    assert policies.can_download_attachment(OWNER, listing) is owner
    assert policies.can_download_attachment(OTHER, listing) is other
    assert policies.can_download_attachment(PENDING, listing) is pending
    assert policies.can_download_attachment(ADMIN, listing) is admin
    assert policies.can_download_attachment(Anonymous(), listing) is anonymous


def test_attachments_are_managed_by_owners_of_editable_listings() -> None:
    assert policies.can_manage_attachments(OWNER, Listing(1, ListingStatus.DRAFT))
    assert policies.can_manage_attachments(OWNER, Listing(1, ListingStatus.REJECTED))
    assert not policies.can_manage_attachments(OWNER, Listing(1, ListingStatus.PUBLISHED))
    assert not policies.can_manage_attachments(OTHER, Listing(1, ListingStatus.DRAFT))
    assert not policies.can_manage_attachments(ADMIN, Listing(1, ListingStatus.DRAFT))
