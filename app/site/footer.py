"""The footer's filings and contacts, read from the configuration (GB/T 39735-2020)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

ICP_QUERY_URL = "https://beian.miit.gov.cn/"
PSB_QUERY_URL = "https://beian.mps.gov.cn/#/query/webSearch?code={code}"


@dataclass(frozen=True)
class Footer:
    """What the footer of every page says about who runs the site."""

    sponsor: str
    organizer: str
    phone: str
    email: str
    icp: str
    psb: str
    site_code: str

    @property
    def psb_url(self) -> str:
        """The Ministry of Public Security's query page for this site's record number."""
        return PSB_QUERY_URL.format(code="".join(re.findall(r"\d", self.psb)))

    @property
    def icp_url(self) -> str:
        """The MIIT filing query page (it takes no number in its address)."""
        return ICP_QUERY_URL


def from_config(config: Any) -> Footer:
    """The footer as configured (SITE_* settings)."""
    return Footer(
        sponsor=config["SITE_SPONSOR"],
        organizer=config["SITE_ORGANIZER"],
        phone=config["SITE_CONTACT_PHONE"],
        email=config["SITE_CONTACT_EMAIL"],
        icp=config["SITE_ICP"],
        psb=config["SITE_PSB"],
        site_code=config["SITE_CODE"],
    )
