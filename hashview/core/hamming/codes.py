"""Bit-packed hash codes and the on-disk store that keeps them per network version.

Codes are what every search and duplicate query reads, so they are stored the
way they are used: one row of ``K // 8`` bytes per image (``np.packbits``, big
bit order, bit = 1 for a positive value), next to a sorted array of catalog ids.
A library of one million images at 64 bits is 8 MB of codes plus 8 MB of ids,
and loading it is one read of a small header and two raw arrays.

File format (little-endian), one file ``<key>.codes`` per key::

    magic    8 bytes   b"HVCODES1"
    n_bits   uint32
    reserved uint32    (0)
    n        uint64
    crc32    uint32    of the ids bytes followed by the codes bytes
    reserved uint32    (0)
    ids      n * int64
    codes    n * (n_bits // 8) bytes

Writes go to a temporary file in the same folder, are flushed and fsynced and
then renamed over the old file, so a crash leaves either the old file or the
new one, never half of one.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import struct
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

MIN_BITS = 8
MAX_BITS = 1024

_MAGIC = b"HVCODES1"
_HEADER = struct.Struct("<8sIIQII")
_SUFFIX = ".codes"
_KEY_RE = re.compile(r"[A-Za-z0-9_\-][A-Za-z0-9_.\-]{0,199}")


def check_n_bits(n_bits: int) -> int:
    """Return ``n_bits`` as an int, or raise ValueError unless it is a multiple of 8 in 8..1024."""
    if isinstance(n_bits, bool) or not isinstance(n_bits, (int, np.integer)):
        raise ValueError(f"code length must be an integer, got {n_bits!r}")
    n_bits = int(n_bits)
    if n_bits % 8 or not MIN_BITS <= n_bits <= MAX_BITS:
        raise ValueError(f"code length must be a multiple of 8 from {MIN_BITS} to {MAX_BITS} bits, got {n_bits}")
    return n_bits


def pack_codes(bits: np.ndarray) -> np.ndarray:
    """Pack an (n, K) array of bits into (n, K // 8) bytes, one row per image.

    Any value greater than zero is a 1, so bools, {0, 1} integers, ±1 floats and
    raw network outputs (``sign(u)``) all pack the same way.

    Raises:
        ValueError: ``bits`` is not 2-D or K is not a multiple of 8 from 8 to 1024.
    """
    bits = np.asarray(bits)
    if bits.ndim != 2:
        raise ValueError(f"bits must be a 2-D (n, K) array, got shape {bits.shape}")
    check_n_bits(bits.shape[1])
    positive = bits if bits.dtype == np.bool_ else bits > 0
    return np.ascontiguousarray(np.packbits(positive, axis=1))


def pack_padded(bits: np.ndarray) -> np.ndarray:
    """Pack (n, K) bits for any K from 1 to 1024, padding each row with zero bits to whole bytes.

    Padding changes no Hamming distance, so evaluation can measure the papers'
    12-, 24- and 48-bit codes with the same search code; only whole-byte codes
    (``pack_codes``) are stored in a library.
    """
    bits = np.asarray(bits)
    if bits.ndim != 2 or not 1 <= bits.shape[1] <= MAX_BITS:
        raise ValueError(f"bits must be (n, K) with K from 1 to {MAX_BITS}, got shape {bits.shape}")
    positive = bits if bits.dtype == np.bool_ else bits > 0
    return np.ascontiguousarray(np.packbits(positive, axis=1))


def unpack_codes(packed: np.ndarray, n_bits: int) -> np.ndarray:
    """Unpack (n, n_bits // 8) bytes into an (n, n_bits) bool array."""
    n_bits = check_n_bits(n_bits)
    packed = np.asarray(packed)
    if packed.dtype != np.uint8 or packed.ndim != 2 or packed.shape[1] != n_bits // 8:
        raise ValueError(f"packed codes must be uint8 of shape (n, {n_bits // 8}), got {packed.dtype} {packed.shape}")
    return np.unpackbits(packed, axis=1, count=n_bits).astype(bool)


@dataclass(frozen=True)
class CodeSet:
    """The codes of one library under one network: row r belongs to catalog id ``ids[r]``.

    ``ids`` is int64, strictly ascending; ``codes`` is C-contiguous uint8 of
    shape (len(ids), n_bits // 8). Both are checked on construction.
    """

    ids: np.ndarray
    codes: np.ndarray
    n_bits: int

    def __post_init__(self) -> None:
        n_bits = check_n_bits(self.n_bits)
        ids = np.asarray(self.ids)
        codes = np.asarray(self.codes)
        if ids.ndim != 1 or not (ids.dtype.kind in "iu" or ids.size == 0):
            raise ValueError(f"ids must be a 1-D integer array, got {ids.dtype} {ids.shape}")
        ids = ids.astype(np.int64, copy=False)
        if codes.dtype != np.uint8 or codes.shape != (ids.size, n_bits // 8):
            raise ValueError(
                f"codes must be uint8 of shape ({ids.size}, {n_bits // 8}), got {codes.dtype} {codes.shape}"
            )
        if ids.size > 1 and not bool(np.all(ids[1:] > ids[:-1])):
            raise ValueError("ids must be strictly ascending (sorted, no repeats)")
        object.__setattr__(self, "n_bits", n_bits)
        object.__setattr__(self, "ids", ids)
        object.__setattr__(self, "codes", np.ascontiguousarray(codes))

    def __len__(self) -> int:
        return int(self.ids.size)

    @classmethod
    def empty(cls, n_bits: int) -> CodeSet:
        """A code set with no rows."""
        n_bits = check_n_bits(n_bits)
        return cls(np.empty(0, np.int64), np.empty((0, n_bits // 8), np.uint8), n_bits)


def merge_codes(old: CodeSet, new_ids: np.ndarray, new_codes: np.ndarray) -> CodeSet:
    """Add rows for ``new_ids``, replacing rows whose id is already present; ids stay sorted.

    Used by incremental encoding: only new or changed images are encoded again.

    Raises:
        ValueError: ``new_ids`` repeats an id, or ``new_codes`` has the wrong shape.
    """
    new_ids = np.asarray(new_ids).astype(np.int64, copy=False).reshape(-1)
    new_codes = np.asarray(new_codes)
    width = old.n_bits // 8
    if new_codes.dtype != np.uint8 or new_codes.shape != (new_ids.size, width):
        raise ValueError(
            f"new codes must be uint8 of shape ({new_ids.size}, {width}), got {new_codes.dtype} {new_codes.shape}"
        )
    order = np.argsort(new_ids, kind="stable")
    sorted_new = new_ids[order]
    if sorted_new.size > 1 and not bool(np.all(sorted_new[1:] > sorted_new[:-1])):
        raise ValueError("new ids must not repeat")
    kept = ~np.isin(old.ids, sorted_new)
    ids = np.concatenate([old.ids[kept], sorted_new])
    codes = np.concatenate([old.codes[kept], new_codes[order]])
    final = np.argsort(ids, kind="stable")
    return CodeSet(ids[final], codes[final], old.n_bits)


def restrict_codes(codeset: CodeSet, keep_ids: np.ndarray) -> CodeSet:
    """Keep only the rows whose id is in ``keep_ids`` (ids not in the set are ignored)."""
    keep_ids = np.asarray(keep_ids).astype(np.int64, copy=False).reshape(-1)
    mask = np.isin(codeset.ids, keep_ids)
    return CodeSet(codeset.ids[mask], codeset.codes[mask], codeset.n_bits)


def _check_key(key: str) -> str:
    if not isinstance(key, str) or _KEY_RE.fullmatch(key) is None:
        raise ValueError(f"bad code key {key!r}: use 1-200 letters, digits, '-', '_' or '.', not starting with '.'")
    return key


class CodeStore:
    """A folder of code sets, one file per key (for example ``itq-64-20261122-231500``).

    The folder is created on the first save, not before.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def path(self, key: str) -> Path:
        """The file that holds ``key``."""
        return self.directory / (_check_key(key) + _SUFFIX)

    def save(self, key: str, codes: CodeSet) -> None:
        """Write ``codes`` under ``key`` atomically, replacing any earlier set."""
        target = self.path(key)
        self.directory.mkdir(parents=True, exist_ok=True)
        ids = np.ascontiguousarray(codes.ids, dtype="<i8")
        raw = np.ascontiguousarray(codes.codes)
        crc = zlib.crc32(raw.reshape(-1).data, zlib.crc32(ids.view(np.uint8).data))
        header = _HEADER.pack(_MAGIC, codes.n_bits, 0, ids.size, crc, 0)
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=f".{key}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(header)
                f.write(ids.reshape(-1).view(np.uint8).data)
                f.write(raw.reshape(-1).data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        except BaseException as exc:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            if isinstance(exc, OSError) and exc.filename is None:  # a full disk, say: name the file
                raise OSError(exc.errno, exc.strerror, str(target)) from exc
            raise
        _fsync_dir(self.directory)
        logger.debug("saved %d codes of %d bits as %s", len(codes), codes.n_bits, target)

    def load(self, key: str) -> CodeSet | None:
        """Read the set saved under ``key``; None when there is none.

        Raises:
            ValueError: the file exists but is truncated, has a bad header or
                fails its checksum.
        """
        target = self.path(key)
        try:
            f = open(target, "rb")  # noqa: SIM115 - opened here to tell "no codes yet" from a read error; closed by the with below
        except FileNotFoundError:
            return None
        with f:
            head = f.read(_HEADER.size)
            if len(head) != _HEADER.size:
                raise ValueError(f"corrupt code file {target.name}: truncated header")
            magic, n_bits, _, n, crc, _ = _HEADER.unpack(head)
            if magic != _MAGIC:
                raise ValueError(f"corrupt code file {target.name}: not a hashview code file")
            if n_bits % 8 or not MIN_BITS <= n_bits <= MAX_BITS:
                raise ValueError(f"corrupt code file {target.name}: bad code length {n_bits}")
            width = n_bits // 8
            expected = n * (8 + width)
            size = os.fstat(f.fileno()).st_size - _HEADER.size
            if size != expected:
                raise ValueError(f"corrupt code file {target.name}: {size} bytes of data, expected {expected}")
            buf = bytearray(expected)
            if f.readinto(buf) != expected:
                raise ValueError(f"corrupt code file {target.name}: short read")
        if zlib.crc32(buf) != crc:
            raise ValueError(f"corrupt code file {target.name}: checksum mismatch")
        ids = np.frombuffer(buf, dtype="<i8", count=n).astype(np.int64, copy=False)
        codes = np.frombuffer(buf, dtype=np.uint8, offset=8 * n).reshape(n, width)
        try:
            return CodeSet(ids, codes, n_bits)
        except ValueError as exc:
            raise ValueError(f"corrupt code file {target.name}: {exc}") from None

    def keys(self) -> list[str]:
        """Every saved key, sorted."""
        if not self.directory.is_dir():
            return []
        return sorted(
            p.name[: -len(_SUFFIX)]
            for p in self.directory.iterdir()
            if p.name.endswith(_SUFFIX) and not p.name.startswith(".") and p.is_file()
        )

    def delete(self, key: str) -> None:
        """Remove the set saved under ``key``; nothing happens when there is none."""
        try:
            self.path(key).unlink()
        except FileNotFoundError:
            return
        _fsync_dir(self.directory)


def _fsync_dir(directory: Path) -> None:
    """Make a rename in ``directory`` durable where the platform allows it."""
    if os.name != "posix":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
