"""One child's file: every section of DESIGN §2, shown only to roles whose keys open it.

The identity block stays hidden until the user asks for it (an audited action);
lists and headers show initials and the register number only.

widget.py assembles the header and the sections; each section has its own module
(overview.py with identity, lists.py, assessment.py, plan.py, sessions.py, history.py),
reports.py the report dialog, common.py what several sections share.
"""

from .assessment import AssessmentDialog
from .reports import ReportDialog
from .widget import ChildFileWidget

__all__ = ["AssessmentDialog", "ChildFileWidget", "ReportDialog"]
