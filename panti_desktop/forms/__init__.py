"""Printable forms (intake, session log, consent, home visit) with a QR code that files a scanned
sheet back to its child; see registry.py, and docs/form-codes.md for what the code holds."""
