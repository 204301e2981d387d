"""Reading a large bundle in a second process while this one merges it.

Reading a bundle line by line (parsing each record, checking it, re-sealing it under this
vault's keys) is over half of a large import; merging and writing the rows is most of the
rest. A thread would not run beside the merge (both hold Python's lock almost all the time),
a second process does: on the two cores of a centre laptop the import takes about the time
of its longer half.

The reading process is started (spawned, also in the frozen build) with what it needs over
its pipe and nothing on disk: the bundle's content key, and this vault's current data keys,
with which it seals each record exactly as the merge would (`lines.sealed_fields`). It
sends back, in order, the bundle's lines: records as `Version`s carrying their sealed row
(`meta["sealed"]`; only a child keeps its plaintext, for the duplicate check), other lines as
they are. The merge decides as before; it opens a sealed row in the rare case it needs a
record's data (a version kept as a conflict). A record the reader refuses is refused with
its message; if the reader stops, the import is refused and, like any refused import,
changes nothing.

The end of the pipe is not enough to see that the reader stopped: on Windows this process
keeps a duplicate of the handle it passes until the child takes it, so a child that dies
before (antivirus, a frozen executable that fails to start) never closes it. The drain waits
on the process itself as well as on the pipe.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing
import multiprocessing.connection
import pickle
import queue
import threading
import traceback
from collections.abc import Iterator
from datetime import date

from .. import errors
from ..errors import PantiError
from ..i18n import _, current_language, set_language
from ..vault.keyring import DATA_ROLES
from .lines import clock_bound
from .merge import Version

log = logging.getLogger(__name__)

SEND = 500  # lines a message
_END = None


def _keys(ws) -> list[tuple[str, bytes]]:
    """The current data key of each role this user holds: what sealing records needs (never
    the master key)."""
    return [(ws.ring.current[role], bytes(ws.ring.keys[ws.ring.current[role]])) for role in DATA_ROLES
            if ws.ring.has(role)]


def _read(conn, spec: dict) -> None:
    """The reading process: every line of the bundle, parsed, checked and sealed, sent in order."""
    from ..store.kinds import KINDS
    from ..store.records import RecordStore
    from ..vault.keyring import KeyRing
    from . import lines as L
    from .bundle import OpenedBundle

    gc.disable()  # millions of short-lived objects, as in the merge (see common._bulk)
    set_language(spec["language"])
    ring = KeyRing()
    try:
        for key_id, key in spec["keys"]:
            ring.add(key_id, bytearray(key))
        ring.set_current()
        records = RecordStore(None, ring, "", "", None)
        batch: list = []
        bound, today = spec["clock_bound"], date.fromisoformat(spec["today"])
        for obj in L.read_lines(OpenedBundle.from_portable(spec["bundle"])):
            if type(obj) is not L.Refused and obj.get("t") == "v":
                v = L.version_from_line(obj)
                refused = L.check_version(v, bound, today)  # bounds and fields, as the merge would
                if refused is not None:
                    batch.append(refused)
                    continue
                sealed = L.sealed_fields(records, KINDS[v.kind], v, v.data)
                obj = (v.kind, v.id, v.hlc, v.origin, None if len(v.vv) == 1 else v.vv, v.deleted, v.centre_id,
                       v.created_at, v.created_by, v.updated_at, v.updated_by,
                       v.data if v.kind == "child" else None, v.data.get("status"), sealed)
            batch.append(obj)
            if len(batch) >= SEND:
                conn.send(batch)
                batch = []
        conn.send(batch)
        conn.send(_END)
    except PantiError as exc:
        conn.send(("refused", type(exc).__name__, str(exc)))
    except BaseException:
        conn.send(("failed", traceback.format_exc()))
    finally:
        ring.wipe()
        conn.close()


class _Drain:
    """Takes the reader's messages off the pipe as they come, in a thread, so neither process
    waits for the other: the merge writes a batch in bursts, the reader sends as it goes, and
    a pipe holds a few kilobytes. Holds `AHEAD` messages at most (a few megabytes)."""

    AHEAD = 32

    def __init__(self, conn, sentinel: int | None = None) -> None:
        self.conn = conn
        self.sentinel = sentinel  # the reading process's handle: ready once it has ended
        self.queue: queue.Queue = queue.Queue(self.AHEAD)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="panti-bundle-drain", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stopped.is_set():
            try:
                msg = self._next()
            except (EOFError, OSError):
                msg = _GONE
            if msg is None:
                continue  # nothing yet: look at `stopped` again
            while not self.stopped.is_set():
                try:
                    self.queue.put(msg, timeout=0.2)
                    break
                except queue.Full:
                    continue
            if msg is _GONE:
                return

    def _next(self) -> bytes | object | None:
        """The next message, `_GONE` once the reader has ended with nothing more to say, or
        None after a second without either."""
        waiting = [self.conn] if self.sentinel is None else [self.conn, self.sentinel]
        ready = multiprocessing.connection.wait(waiting, timeout=1.0)
        if self.conn in ready:
            return self.conn.recv_bytes()
        if self.sentinel in ready:
            # it ended: a last message written just before may still be on its way
            return self.conn.recv_bytes() if self.conn.poll(0.2) else _GONE
        return None

    def get(self):
        while True:
            try:
                msg = self.queue.get(timeout=1.0)
                break
            except queue.Empty:
                if not self.thread.is_alive():  # the drain itself failed: nothing more will come
                    return _GONE
        return msg if msg is _GONE else pickle.loads(msg)

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(5)


_GONE = object()


def _received(drain: _Drain) -> Iterator:
    while True:
        msg = drain.get()
        if msg is _GONE:
            raise PantiError(_("The bundle was not imported: the process reading it stopped. Nothing was "
                               "changed; try again."))
        if msg is _END:
            return
        if type(msg) is tuple:  # the reader's last word: a refusal, or its own failure
            if msg[0] == "refused":
                cls = getattr(errors, msg[1], PantiError)
                raise (cls if isinstance(cls, type) and issubclass(cls, PantiError) else PantiError)(msg[2])
            raise RuntimeError("the process reading the bundle failed:\n" + msg[1])
        for item in msg:
            if type(item) is tuple:  # a record: as a Version, as the merge takes it
                (name, rid, hlc, origin, vv, deleted, centre_id, created_at, created_by, updated_at, updated_by,
                 data, status, sealed) = item
                v = Version(name, rid, hlc, origin, vv or {origin: hlc}, deleted, data, centre_id, created_at,
                            created_by, updated_at, updated_by, {"sealed": sealed})
                if name == "session":
                    v.meta["status"] = status
                item = v
            yield item


def _pipe(ctx):
    return ctx.Pipe(duplex=False)


@contextlib.contextmanager
def lines_read_beside(ws, opened) -> Iterator[Iterator]:
    """The bundle's lines, read (and records sealed) by a second process; it ends with the block."""
    ctx = multiprocessing.get_context("spawn")
    ours, theirs = _pipe(ctx)
    spec = {"bundle": opened.portable(), "keys": _keys(ws), "language": current_language(),
            "clock_bound": clock_bound(), "today": date.today().isoformat()}
    proc = ctx.Process(target=_read, args=(theirs, spec), name="panti-bundle-reader", daemon=True)
    proc.start()
    theirs.close()
    del spec
    drain = _Drain(ours, proc.sentinel)
    try:
        yield _received(drain)
    finally:
        if proc.is_alive():
            proc.terminate()  # a refusal or a cancel here: the reader's work is not needed
        proc.join(10)
        drain.stop()
        ours.close()
