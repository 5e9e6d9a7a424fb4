"""SQLAlchemy models. Importing this package registers every table on Base.metadata."""

from app.models import checks, core, draw, exchange, outcomes, pools, rules  # noqa: F401
from app.models.base import Base, utcnow  # noqa: F401
from app.models.checks import ExternalCheck, JointVisit  # noqa: F401
from app.models.core import AuditEntry, AuditHead, Office, Setting, User  # noqa: F401
from app.models.draw import Draw, DrawSelection, TeamMember  # noqa: F401
from app.models.exchange import CountyReport, TrustedCounty  # noqa: F401
from app.models.outcomes import Attachment, CalendarDay, NoticeNumber, Outcome, Publication, ResultPhrase  # noqa: F401
from app.models.pools import (  # noqa: F401
    ColumnMapping,
    InspectionItem,
    InspectionObject,
    Inspector,
    ObjectChange,
    ObjectPermit,
)
from app.models.rules import Plan, PlanAdjustment, PolicyVersion, Task  # noqa: F401
