"""Export and import of sync bundles: what travels, how it merges, what is kept.

A bundle's payload is UTF-8 JSON lines:

- ``{"t": "centre", ...}``: the sending centre (id, code, name, type);
- ``{"t": "v", ...}``: one version of one record (kind, id, clock, origin, version
  vector, deleted, row metadata and the record's fields). A record's winner and
  its kept conflicts all travel as versions; see `merge`;
- ``{"t": "erasure", ...}``: an erasure tombstone (the child's random id, when);
- ``{"t": "transfer", ...}``: a case moved from one centre to another;
- ``{"t": "stats", "aggregate": {...}}``: de-identified counts for a period (scope
  ``stats`` only, to headquarters);
- ``{"t": "ack", "seqs": [...]}``: bundles of the receiver that the sender imported;
- ``{"t": "audit", "links": [[seq, prev_hash, hash], ...]}``: the sender's audit chain
  since the last checkpoint the receiver acknowledged.

Scopes: ``changes`` (every row changed since the peer's acknowledgement; to
headquarters everything, to a centre only the cases it holds), ``transfer`` (one
child's whole file, moved to another centre), ``stats`` (the centre's statistics
for a period, no records) and ``ack`` (an acknowledgement,
no records). Import verifies everything before it writes anything, then applies
the bundle in one transaction: all or nothing.

This module is the front door: callers (the window, the command line, the self-test, the
benchmark, the headquarters overview, the tests) import `exchange` and find here what they
use. The work lives in

- `common`: the payload format, who may sync, versions ⇄ rows, the bundle bookkeeping;
- `export`: `export_changes`, `export_child`, `export_stats`, `write_ack`;
- `importing`: `open_for_import`, `import_bundle` and the merge (batches, erasures,
  transfers, acknowledgements, statistics);
- `duplicates`: possible duplicate registrations, flagged during an import;
- `conflicts`: `list_conflicts`, `resolve_conflict`, `conflict_count`;
- `status`: `peer_status` and `history`;

and the bundle line format in `lines`, the file format in `bundle`, the winner of
concurrent versions in `merge`, the reading process in `reader`. Only names are passed on:
a setting such as `importing.BATCH` or `importing.ROLLBACK_JOURNAL_RECORDS` is read, and
so changed (by a test), in its own module.
"""

from __future__ import annotations

from .bundle import read_header
from .common import SUFFIX
from .conflicts import Conflict, conflict_count, list_conflicts, resolve_conflict
from .export import (
    ExportResult,
    acked_upto,
    default_name,
    export_changes,
    export_child,
    export_stats,
    write_ack,
)
from .importing import AlreadyImported, ImportResult, import_bundle, open_for_import
from .status import PeerStatus, history, peer_status

__all__ = [
    "SUFFIX",
    "AlreadyImported",
    "Conflict",
    "ExportResult",
    "ImportResult",
    "PeerStatus",
    "acked_upto",
    "conflict_count",
    "default_name",
    "export_changes",
    "export_child",
    "export_stats",
    "history",
    "import_bundle",
    "list_conflicts",
    "open_for_import",
    "peer_status",
    "read_header",
    "resolve_conflict",
    "write_ack",
]
