"""A small animated-GIF writer (GIF89a, LZW), because Qt can read GIFs but not write them
and Pillow is not a dependency.

Frames are RGB numpy arrays of one size. One global palette of up to 256 colours is taken
from the colours the frames use most (diagrams are mostly flat colours; anti-aliased edges
map to their nearest palette colour). After the first frame only the rectangle that changed
is stored, so a replay of a few changes per step stays small and quick to encode.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

MAX_CODES = 4096


def palette_for(frames: list[np.ndarray], size: int = 256) -> np.ndarray:
    """The `size` most used colours over all frames, as an (n, 3) uint8 array."""
    packed = np.concatenate([_pack(f[::2, ::2]).reshape(-1) for f in frames])
    colours, counts = np.unique(packed, return_counts=True)
    chosen = colours[np.argsort(counts)[::-1][:size]]
    return np.stack([(chosen >> 16) & 255, (chosen >> 8) & 255, chosen & 255], 1).astype(np.uint8)


def _pack(rgb: np.ndarray) -> np.ndarray:
    rgb = rgb.astype(np.uint32)
    return (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]


def indexed(frame: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """Each pixel's nearest palette index (exact colours first, then nearest by distance)."""
    packed = _pack(frame)
    colours, inverse = np.unique(packed.reshape(-1), return_inverse=True)
    rgb = np.stack([(colours >> 16) & 255, (colours >> 8) & 255, colours & 255], 1)
    pal = palette.astype(np.int32)
    best = np.empty(len(colours), dtype=np.uint8)
    for start in range(0, len(colours), 4096):  # bounded memory: 4096 × 256 distances
        chunk = rgb[start:start + 4096].astype(np.int32)
        dist = ((chunk[:, None, :] - pal[None, :, :]) ** 2).sum(2)
        best[start:start + 4096] = dist.argmin(1)
    return best[inverse].reshape(packed.shape)


def lzw(indices: bytes, min_size: int = 8) -> bytes:
    """GIF's variable-width LZW of a stream of palette indices (LSB-first bit packing)."""
    clear, end = 1 << min_size, (1 << min_size) + 1
    out = bytearray()
    acc = nbits = 0

    def emit(code: int, width: int) -> None:
        nonlocal acc, nbits
        acc |= code << nbits
        nbits += width
        while nbits >= 8:
            out.append(acc & 255)
            acc >>= 8
            nbits -= 8

    table: dict[int, int] = {}
    width, next_code = min_size + 1, end + 1
    emit(clear, width)
    prefix = indices[0]
    for b in indices[1:]:
        key = (prefix << 8) | b
        code = table.get(key)
        if code is not None:
            prefix = code
            continue
        emit(prefix, width)
        table[key] = next_code
        next_code += 1
        if next_code > (1 << width) and width < 12:
            width += 1
        if next_code == MAX_CODES:  # table full: start over
            emit(clear, width)
            table.clear()
            width, next_code = min_size + 1, end + 1
        prefix = b
    emit(prefix, width)
    emit(end, width)
    if nbits:
        out.append(acc & 255)
    return bytes(out)


def _blocks(data: bytes) -> bytes:
    parts = [bytes([len(data[i:i + 255])]) + data[i:i + 255] for i in range(0, len(data), 255)]
    return b"".join(parts) + b"\x00"


def write_gif(path: str | Path, frames: list[np.ndarray], delays_ms: list[int],
              loop: bool = True) -> None:
    """Write `frames` (H×W×3 uint8, all the same size) with per-frame delays."""
    if not frames:
        raise ValueError("no frames to write")
    height, width = frames[0].shape[:2]
    palette = palette_for(frames)
    table = np.zeros((256, 3), dtype=np.uint8)
    table[:len(palette)] = palette
    data = bytearray(b"GIF89a")
    data += struct.pack("<HHBBB", width, height, 0xF7, 0, 0)  # global table of 256 colours
    data += table.tobytes()
    if loop:
        data += b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
    previous: np.ndarray | None = None
    for frame, delay in zip(frames, delays_ms, strict=True):
        current = indexed(frame, palette)
        top, left, bottom, right = 0, 0, height, width
        if previous is not None:
            rows, cols = np.nonzero(current != previous)
            if len(rows):
                top, bottom = int(rows.min()), int(rows.max()) + 1
                left, right = int(cols.min()), int(cols.max()) + 1
            else:
                top, left, bottom, right = 0, 0, 1, 1
        previous = current
        # graphic control: keep the previous frame under this one (disposal 1)
        data += b"\x21\xf9\x04" + struct.pack("<BHBB", 0x04, max(1, delay // 10), 0, 0)
        data += b"\x2c" + struct.pack("<HHHHB", left, top, right - left, bottom - top, 0)
        data += b"\x08" + _blocks(lzw(current[top:bottom, left:right].tobytes()))
    data += b"\x3b"
    Path(path).write_bytes(bytes(data))
