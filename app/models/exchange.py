"""The signed USB exchange with the municipal bureau: registered county keys and imported packages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class TrustedCounty(Base):
    """A county office registered with the bureau by its Ed25519 public key."""

    __tablename__ = "trusted_county"
    id: Mapped[int] = mapped_column(primary_key=True)
    office_name: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(String(12), default="")
    public_key_pem: Mapped[str] = mapped_column(Text)
    key_fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    registered_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    registered_by: Mapped[str] = mapped_column(String(80), default="")


class CountyReport(Base):
    """A county's figures for a period, taken from an imported package; newer packages supersede."""

    __tablename__ = "county_report"
    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("trusted_county.id"), index=True)
    period: Mapped[str] = mapped_column(String(10), index=True)
    package_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    package_name: Mapped[str] = mapped_column(String(300), default="")
    created_at_county: Mapped[str] = mapped_column(String(32), default="")
    stats: Mapped[dict] = mapped_column(JSON)
    chain_head: Mapped[str] = mapped_column(String(64), default="")
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("county_report.id"), nullable=True)
    imported_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(80), default="")
    # The county's audit-log head when it wrote the package (short form printed on its documents too).
    audit_seq: Mapped[int] = mapped_column(Integer, default=0)
    audit_head: Mapped[str] = mapped_column(String(64), default="")
    # 撤回: a wrongly accepted package set aside by the city administrator (reason required, audited).
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    withdrawn_by: Mapped[str] = mapped_column(String(80), default="")
    withdraw_reason: Mapped[str] = mapped_column(Text, default="")
