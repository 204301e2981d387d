"""A centre's own registers in, spreadsheets out.

`sheets` reads a workbook (.xlsx, .xls, .ods through python-calamine; .csv with its delimiter
and encoding detected), `columns` turns what people typed into field values (header names,
dates, vocabulary labels), `importing` checks every row and writes the good ones idempotently,
`export` writes the caseload, sessions and statistics as .xlsx. The CLI and the window call
them through the same functions; nothing here imports Qt.
"""
