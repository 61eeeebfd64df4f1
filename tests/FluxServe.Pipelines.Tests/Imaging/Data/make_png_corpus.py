#!/usr/bin/env python3
"""Writes the PNG decoder's reference corpus with nothing but Python's zlib and struct.

Each case is <name>.png plus <name>.rgb, the 8-bit RGB pixels the decoder must produce, computed here by the rules
FluxServe documents (docs/imaging.md): grey replicated to R=G=B; samples below 8 bits scaled by v*255/(2^d-1);
16-bit samples rounded to round(v*255/65535); palette indices looked up (past the palette: black); alpha dropped.
Rows cycle through the five filter types; interlaced cases use Adam7; IDAT is split into several chunks and
ancillary chunks (tEXt, tRNS, gAMA) are sprinkled in, all of which the decoder must handle.

Run from this folder: python3 make_png_corpus.py   (deterministic: the same files every time)
"""
import os
import struct
import zlib

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "png-corpus")
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def sample(x, y, c, depth, seed):
    """A deterministic sample at bit depth `depth`: a gradient with a hash-like wobble."""
    top = (1 << depth) - 1
    v = (x * 37 + y * 101 + c * 59 + seed * 13 + ((x * y + c) * 2654435761 >> 7)) % (top + 1)
    return v


def pack_row(samples, depth):
    if depth == 8:
        return bytes(samples)
    if depth == 16:
        return b"".join(struct.pack(">H", s) for s in samples)
    out = bytearray()
    per_byte = 8 // depth
    for i in range(0, len(samples), per_byte):
        byte = 0
        for k in range(per_byte):
            s = samples[i + k] if i + k < len(samples) else 0
            byte |= s << (8 - depth * (k + 1))
        out.append(byte)
    return bytes(out)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def filter_row(kind, row, prev, bpp):
    out = bytearray([kind])
    for i, x in enumerate(row):
        a = row[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        pred = [0, a, b, (a + b) // 2, paeth(a, b, c)][kind]
        out.append((x - pred) & 0xFF)
    return bytes(out)


def scale(v, depth):
    if depth == 16:
        return (v * 255 + 32767) // 65535
    return v * 255 // ((1 << depth) - 1)


def make(name, width, height, color_type, depth, interlaced=False, palette_entries=0, seed=0, idat_size=97):
    channels = CHANNELS[color_type]
    bpp = max(1, channels * depth // 8)
    pixels = [[[sample(x, y, c, depth, seed) for c in range(channels)] for x in range(width)] for y in range(height)]
    if color_type == 3:
        # Indices may point past the palette on purpose (palette_entries < 2^depth): those pixels are black.
        palette = bytes((i * 71 + k * 29 + seed) % 256 for i in range(palette_entries) for k in range(3))

    def rgb_of(px):
        if color_type == 0 or color_type == 4:
            g = scale(px[0], depth)
            return [g, g, g]
        if color_type == 3:
            i = px[0]
            return list(palette[3 * i:3 * i + 3]) if i < palette_entries else [0, 0, 0]
        return [scale(px[c], depth) for c in range(3)]

    passes = ADAM7 if interlaced else [(0, 0, 1, 1)]
    raw = bytearray()
    row_number = 0
    for (sx, sy, dx, dy) in passes:
        xs = list(range(sx, width, dx))
        ys = list(range(sy, height, dy))
        if not xs or not ys:
            continue
        prev = bytes(len(pack_row([0] * len(xs) * channels, depth)))
        for y in ys:
            row = pack_row([s for x in xs for s in pixels[y][x]], depth)
            raw += filter_row(row_number % 5, row, prev, bpp)
            prev = row
            row_number += 1

    data = zlib.compress(bytes(raw), 9)
    png = b"\x89PNG\r\n\x1a\n"
    png += chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, 1 if interlaced else 0))
    png += chunk(b"gAMA", struct.pack(">I", 45455))
    if color_type == 3:
        png += chunk(b"PLTE", palette)
        png += chunk(b"tRNS", bytes([128] * min(palette_entries, 3)))
    png += chunk(b"tEXt", b"Comment\x00made by make_png_corpus.py")
    for i in range(0, len(data), idat_size):
        png += chunk(b"IDAT", data[i:i + idat_size])
    png += chunk(b"IEND", b"")

    expected = bytes(v for y in range(height) for x in range(width) for v in rgb_of(pixels[y][x]))
    with open(os.path.join(OUT, name + ".png"), "wb") as f:
        f.write(png)
    with open(os.path.join(OUT, name + ".rgb"), "wb") as f:
        f.write(expected)


def main():
    os.makedirs(OUT, exist_ok=True)
    cases = []
    for interlaced in (False, True):
        suffix = "-adam7" if interlaced else ""
        for depth in (1, 2, 4, 8, 16):
            cases.append((f"gray{depth}{suffix}", 0, depth, 0))
        for depth in (8, 16):
            cases.append((f"rgb{depth}{suffix}", 2, depth, 0))
            cases.append((f"graya{depth}{suffix}", 4, depth, 0))
            cases.append((f"rgba{depth}{suffix}", 6, depth, 0))
        for depth in (1, 2, 4, 8):
            entries = {1: 2, 2: 3, 4: 11, 8: 200}[depth]
            cases.append((f"palette{depth}{suffix}", 3, depth, entries))
    for i, (name, color_type, depth, entries) in enumerate(cases):
        make(name, 19, 13, color_type, depth, interlaced=name.endswith("adam7"), palette_entries=entries, seed=i)
    # Tiny images where some Adam7 passes are empty.
    make("rgb8-adam7-1x1", 1, 1, 2, 8, interlaced=True, seed=99)
    make("rgb8-adam7-3x2", 3, 2, 2, 8, interlaced=True, seed=98)
    make("gray1-adam7-9x1", 9, 1, 0, 1, interlaced=True, seed=97)


if __name__ == "__main__":
    main()
