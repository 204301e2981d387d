"""The store asks its write guard before every change (a case transferred away is read-only here):
update and delete name the kind and the child, or for a record of no child its own id; a refusal
leaves the row as it was."""

from __future__ import annotations

import pytest

from panti_desktop.errors import PermissionDenied

from .test_store import _child, env  # noqa: F401  (the store fixture)


def test_every_change_asks_the_guard_with_the_kind_and_the_child(env):  # noqa: F811
    _db, _vault, admin, _ring, store = env
    child = _child(store, admin)
    family = store.insert("family", {"child_id": child.id}, admin.id)
    profile = store.insert("user_profile", {"user_id": admin.id, "full_name": "Admin"}, admin.id)
    asked = []
    store.write_guard = lambda kind_name, ref: asked.append((kind_name, ref))
    store.update("family", family.id, {"child_id": child.id, "household_size": 4}, admin.id)
    store.update("user_profile", profile.id, {"user_id": admin.id, "full_name": "Admin Sentra"}, admin.id)
    store.delete("user_profile", profile.id, admin.id)
    assert asked == [("family", child.id), ("user_profile", profile.id), ("user_profile", profile.id)]

    def read_only(kind_name, ref):
        raise PermissionDenied(f"{kind_name} {ref} is read-only here")

    store.write_guard = read_only
    with pytest.raises(PermissionDenied, match=f"family {child.id}"):
        store.update("family", family.id, {"child_id": child.id, "household_size": 9}, admin.id)
    with pytest.raises(PermissionDenied, match=f"family {child.id}"):
        store.delete("family", family.id, admin.id)
    kept = store.get("family", family.id)
    assert kept.data["household_size"] == 4 and not kept.deleted
