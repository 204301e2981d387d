"""Record forms, dialogs and lists built from the domain's field metadata.

Every record type of `domain.records` describes its fields (type, bilingual label,
required, vocabulary, bounds). `RecordForm` turns that into one widget per field,
`RecordDialog` saves a form through the workspace and shows what the domain refuses
next to the field it names, and `RecordList` lists a child's records of one type
with Add / Edit / Delete.

Values leave a form in the shape the domain expects ("60" typed in a number field
becomes 60, an empty field None or []); the domain still has the last word.
"""

from .dialog import RecordDialog
from .fields import RecordForm, form_fields, record_defaults
from .lists import RecordList, RecordTableModel

__all__ = ["RecordDialog", "RecordForm", "RecordList", "RecordTableModel", "form_fields", "record_defaults"]
