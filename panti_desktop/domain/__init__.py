"""The domain: record dataclasses, vocabularies, lifecycle, diversion rule, assessment templates.

Plain Python: no Qt, no storage. The workspace validates every record through here.
"""
