"""Statistical disclosure control for printed counts: which cells to hide so no child can be
singled out, by anyone holding a pencil and everything that is printed.

The rule (also printed in the statistics report and stated in the README):

- A count of 1 or 2 is hidden (primary suppression). A zero is printed: it says of no child
  that he is in a group. So a reader knows that every hidden count is at least 1.
- Totals are always printed; so are the links between tables (a table over the parents is a
  part of the table of caregivers, the victims known to the child are the victims who are
  not strangers). Further counts are hidden (secondary suppression) until, for every hidden
  count, the whole numbers consistent with everything printed span at least three values,
  one of them 3 or more: a reader can never narrow a hidden count to 1 or 2, nor tell that it
  is below 3. Of the sets that achieve this, one with the fewest cells (then the smallest
  counts) is chosen, as tau-ARGUS and sdcTable do for frequency tables.
- A table that cannot be protected this way (e.g. its total is under 3) is not printed.

A problem is a list of cell values with an upper bound each, and linear constraints with
coefficients +1/−1 that a reader knows: `lo <= sum(coef * cell) <= hi`. `intervals` computes,
exactly over the integers, what a reader can deduce about each hidden cell; `suppress` picks
the cells to hide. Plain Python: the tables of a centre are small.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

SMALL = 3  # counts of 1 .. SMALL-1 are sensitive
SPREAD = 2  # a hidden count's feasible range must span at least SPREAD+1 values


@dataclass
class Constraint:
    terms: dict[int, int]  # cell index -> coefficient (+1 or -1)
    lo: int
    hi: int


@dataclass
class Problem:
    values: list[int]
    upper: list[int]  # what each cell can be at most (its table's total)
    constraints: list[Constraint] = field(default_factory=list)
    group: list[str] = field(default_factory=list)  # which table each cell belongs to

    def add(self, terms: dict[int, int], lo: int, hi: int) -> None:
        self.constraints.append(Constraint(dict(terms), lo, hi))


def sensitive(n: int) -> bool:
    return 0 < n < SMALL


# --- what a reader can deduce ---------------------------------------------------------------


def _reduced(p: Problem, hidden: set[int]) -> tuple[list[int], list[tuple[list[tuple[int, int]], int, int]]]:
    """The constraints over the hidden cells only: printed cells become constants."""
    order = sorted(hidden)
    pos = {c: i for i, c in enumerate(order)}
    out = []
    for con in p.constraints:
        terms = [(pos[c], k) for c, k in con.terms.items() if c in hidden]
        if not terms:
            continue
        known = sum(k * p.values[c] for c, k in con.terms.items() if c not in hidden)
        out.append((terms, con.lo - known, con.hi - known))
    return order, out


def _propagate(lo: list[int], hi: list[int], cons, rounds: int = 200) -> bool:
    """Tighten the bounds of the hidden cells (a few rounds: around a cycle of constraints the
    bounds can creep by one per round, and the search below splits domains anyway); False only
    when no value can fit."""
    changed = True
    while changed and rounds:
        rounds -= 1
        changed = False
        for terms, clo, chi in cons:
            smin = sum(k * (lo[v] if k > 0 else hi[v]) for v, k in terms)
            smax = sum(k * (hi[v] if k > 0 else lo[v]) for v, k in terms)
            if smin > chi or smax < clo:
                return False
            for v, k in terms:
                omin = smin - k * (lo[v] if k > 0 else hi[v])
                omax = smax - k * (hi[v] if k > 0 else lo[v])
                if k > 0:
                    nlo, nhi = max(lo[v], clo - omax), min(hi[v], chi - omin)
                else:
                    nlo, nhi = max(lo[v], omin - chi), min(hi[v], omax - clo)
                if nlo > nhi:
                    return False
                if nlo != lo[v] or nhi != hi[v]:
                    lo[v], hi[v] = nlo, nhi
                    changed = True
                    smin = sum(k2 * (lo[v2] if k2 > 0 else hi[v2]) for v2, k2 in terms)
                    smax = sum(k2 * (hi[v2] if k2 > 0 else lo[v2]) for v2, k2 in terms)
    return True


class _Budget:
    """Steps a search may take. A search that runs out answers "no solution", which can only
    narrow what `intervals` reports and so hide more, never less."""

    def __init__(self, steps: int = 20_000):
        self.steps = steps


def _feasible(lo: list[int], hi: list[int], cons, budget: _Budget | None = None) -> bool:
    """Whether whole values within the bounds satisfy every constraint (a search)."""
    budget = budget or _Budget()
    budget.steps -= 1
    if budget.steps < 0:
        return False
    lo, hi = list(lo), list(hi)
    if not _propagate(lo, hi, cons):
        return False
    free = [v for v in range(len(lo)) if lo[v] < hi[v]]
    if not free:
        return all(clo <= sum(k * lo[v] for v, k in terms) <= chi for terms, clo, chi in cons)
    if _separate(lo, hi, free, cons):
        return True
    v = min(free, key=lambda i: hi[i] - lo[i])
    # the ends of the cell's range first (with bounds this tight one usually fits), then each
    # half of what lies between: the search is as deep as the ranges' logarithms
    a, b = lo[v], hi[v]
    parts = [(a, a), (b, b)]
    if b - a >= 2:
        m = (a + 1 + b - 1) // 2
        parts += [(a + 1, m), (m + 1, b - 1)] if m + 1 <= b - 1 else [(a + 1, m)]
    for x, y in parts:
        lo2, hi2 = list(lo), list(hi)
        lo2[v], hi2[v] = x, y
        if _feasible(lo2, hi2, cons, budget):
            return True
    return False


def _separate(lo: list[int], hi: list[int], free: list[int], cons) -> bool:
    """No two constraints share an undecided cell, and each holds over its bounds: then each
    can be met on its own (a sum of ±1 terms over intervals takes every value between its least
    and greatest), so all can."""
    seen: set[int] = set()
    for terms, clo, chi in cons:
        mine = {v for v, _k in terms if v in free}
        if mine & seen:
            return False
        seen |= mine
        smin = sum(k * (lo[v] if k > 0 else hi[v]) for v, k in terms)
        smax = sum(k * (hi[v] if k > 0 else lo[v]) for v, k in terms)
        if smin > chi or smax < clo:
            return False
    return True


def intervals(p: Problem, hidden: set[int]) -> dict[int, tuple[int, int]]:
    """For each hidden cell, the smallest and largest whole value consistent with what is printed."""
    order, cons = _reduced(p, hidden)
    out: dict[int, tuple[int, int]] = {}
    for members, part in _parts(len(order), cons):
        local = {v: i for i, v in enumerate(members)}
        lcons = [([(local[v], k) for v, k in terms], lo, hi) for terms, lo, hi in part]
        for c, rng in zip([order[v] for v in members],
                          _ranges([max(1, p.upper[order[v]]) for v in members], lcons), strict=True):
            out[c] = rng
    return out


def _parts(n: int, cons) -> list[tuple[list[int], list]]:
    """Hidden cells that share no constraint are deduced independently: split them up."""
    parent = list(range(n))

    def root(v: int) -> int:
        while parent[v] != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    for terms, _lo, _hi in cons:
        first = root(terms[0][0])
        for v, _k in terms[1:]:
            parent[root(v)] = first
    members: dict[int, list[int]] = {}
    for v in range(n):
        members.setdefault(root(v), []).append(v)
    parts: dict[int, list] = {r: [] for r in members}
    for con in cons:
        parts[root(con[0][0][0])].append(con)
    return [(members[r], parts[r]) for r in members]


def _ranges(upper: list[int], cons) -> list[tuple[int, int]]:
    lo0 = [1] * len(upper)  # zeros are printed, so a hidden count is at least 1
    hi0 = list(upper)
    if not _propagate(lo0, hi0, cons):
        raise ValueError("the printed numbers contradict each other")
    out = []
    for i in range(len(upper)):
        a, b = lo0[i], hi0[i]
        while a < b:  # least value
            mid = (a + b) // 2
            hi = list(hi0)
            hi[i] = mid
            if _feasible(lo0, hi, cons):
                b = mid
            else:
                a = mid + 1
        least = a
        a, b = least, hi0[i]
        while a < b:  # greatest value
            mid = (a + b + 1) // 2
            lo = list(lo0)
            lo[i] = mid
            if _feasible(lo, hi0, cons):
                a = mid
            else:
                b = mid - 1
        out.append((least, a))
    return out


def protects(lo: int, hi: int) -> bool:
    """The rule for one hidden count: at least SPREAD+1 possible values, one of them SMALL or more."""
    return hi - lo >= SPREAD and hi >= SMALL


def failures(p: Problem, hidden: set[int]) -> set[int]:
    return {c for c, (lo, hi) in intervals(p, hidden).items() if not protects(lo, hi)}


# --- choosing what to hide ------------------------------------------------------------------


def _neighbours(p: Problem, cells: set[int]) -> set[int]:
    out: set[int] = set()
    for con in p.constraints:
        if cells & con.terms.keys():
            out |= con.terms.keys()
    return out


def _component(p: Problem, start: set[int]) -> set[int]:
    comp = set(start)
    while True:
        grown = comp | _neighbours(p, comp)
        if grown == comp:
            return comp
        comp = grown


def suppress(p: Problem, max_extra: int = 4) -> tuple[set[int], set[str]]:
    """The cells to hide, and the groups (tables) that cannot be protected and must not be
    printed at all. Primary cells first; then, per linked component, the smallest set of
    further cells (fewest, then smallest counts) after which every hidden cell is protected."""
    dropped: set[str] = set()
    while True:
        live = [i for i in range(len(p.values)) if p.group[i] not in dropped]
        hidden = {i for i in live if sensitive(p.values[i])}
        sub = _without(p, dropped)
        failing = failures(sub, hidden)
        done: set[int] = set()
        stuck: set[str] = set()
        for cell in sorted(failing):
            if cell in done:
                continue
            comp = _component(sub, {cell})
            done |= comp
            best = _best_extra(sub, hidden, comp, max_extra)
            if best is None:
                stuck |= {p.group[c] for c in comp & failing}
            else:
                hidden |= best
        if not stuck:
            # extras chosen per component can interact only within a component; check the whole
            if failures(sub, hidden):
                stuck = {p.group[c] for c in failures(sub, hidden)}
            else:
                return hidden, dropped
        dropped |= stuck


def _without(p: Problem, dropped: set[str]) -> Problem:
    """The problem with the dropped tables' cells and constraints gone (not printed at all)."""
    if not dropped:
        return p
    keep = {i for i in range(len(p.values)) if p.group[i] not in dropped}
    sub = Problem(p.values, p.upper, [], p.group)
    for con in p.constraints:
        if con.terms.keys() <= keep:
            sub.constraints.append(con)
    return sub


def _best_extra(p: Problem, hidden: set[int], comp: set[int], max_extra: int,
                budget: int = 300) -> set[int] | None:
    """The fewest further cells of `comp` (then the smallest total) whose hiding protects every
    hidden cell; None if even hiding every non-zero cell would not. Hiding more never tells a
    reader more, so combinations are tried by size, cheapest first, and the first that passes
    is the answer; after `budget` trials the rest is filled greedily (smallest cells first)."""
    candidates = sorted((c for c in comp if c not in hidden and p.values[c] > 0),
                        key=lambda c: (p.values[c], c))
    base = hidden & comp
    if failures(p, base | set(candidates)):
        return None
    tried = 0
    for size in range(1, min(max_extra, len(candidates)) + 1):
        for extra in sorted(combinations(candidates, size), key=lambda cs: (sum(p.values[c] for c in cs), cs)):
            if tried >= budget:
                return _greedy(p, base, candidates)
            tried += 1
            if not failures(p, base | set(extra)):
                return set(extra)
    return _greedy(p, base, candidates)


def _greedy(p: Problem, base: set[int], candidates: list[int]) -> set[int]:
    chosen: set[int] = set()
    for c in candidates:
        chosen.add(c)
        if not failures(p, base | chosen):
            break
    # drop what turned out not to be needed, largest first
    for c in sorted(chosen, key=lambda c: -p.values[c]):
        if not failures(p, base | (chosen - {c})):
            chosen.discard(c)
    return chosen
