#!/usr/bin/env bash
# Writes files made by Debian's own image tools, with the RGB pixels those tools' decoders (or Pillow) produce, for
# FluxServe's decoder to reproduce: tools-corpus/<name>.<ext> and tools-corpus/<name>.rgb.
#   PNG:  ImageMagick 6 (libpng) in several colour types; expected pixels from Pillow's convert("RGB"), and for 16-bit
#         files from ImageMagick's 8-bit export (round(v/257), the rule FluxServe uses; Pillow truncates instead).
#   JPEG: cjpeg (libjpeg-turbo-progs) in several modes; expected pixels from djpeg -ppm (accurate DCT, fancy upsampling).
#   WebP: cwebp (webp); expected pixels from dwebp -ppm (alpha dropped).
# Needs: apt-get install imagemagick libjpeg-turbo-progs webp python3-pil. The tests only read the committed output.
set -euo pipefail
cd "$(dirname "$0")"
out=tools-corpus
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A 61×45 test picture (odd sizes exercise partial MCUs and filter tails): gradients, a disc, a texture.
/usr/bin/python3 - "$tmp/src.ppm" "$tmp/src-alpha.png" <<'PY'
import math, sys
from PIL import Image
w, h = 61, 45
px = bytearray()
alpha = bytearray()
for y in range(h):
    for x in range(w):
        t = 18 * math.sin(x * 0.3 + y * 0.11) * math.cos(y * 0.2)
        r, g, b = 40 + 170 * x / w + t, 60 + 150 * y / h - t, 120 + 70 * math.sin(6 * x * y / (w * h))
        if (x - 30) ** 2 + (y - 20) ** 2 < 120:
            r, g, b = 230 - x, 40 + y, 90
        px += bytes(max(0, min(255, int(round(v)))) for v in (r, g, b))
        alpha.append(1 + (x * 4 + y * 5) % 255)
open(sys.argv[1], "wb").write(b"P6\n%d %d\n255\n" % (w, h) + bytes(px))
img = Image.frombytes("RGB", (w, h), bytes(px))
img.putalpha(Image.frombytes("L", (w, h), bytes(alpha)))
img.save(sys.argv[2])
PY

pillow_rgb() { /usr/bin/python3 -c 'import sys; from PIL import Image; sys.stdout.buffer.write(Image.open(sys.argv[1]).convert("RGB").tobytes())' "$1"; }
# The pixels of a binary PPM (P6), or of a PGM (P5, which djpeg writes for grey JPEGs) replicated to R = G = B.
ppm_rgb() { /usr/bin/python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); p=d.split(maxsplit=4); sys.stdout.buffer.write(p[4] if p[0]==b"P6" else bytes(v for g in p[4] for v in (g,g,g)))' "$1"; }

# PNG (libpng through ImageMagick)
convert "$tmp/src.ppm" -strip PNG24:"$out/im-rgb8.png";                        pillow_rgb "$out/im-rgb8.png" > "$out/im-rgb8.rgb"
convert "$tmp/src.ppm" -strip -interlace PNG PNG24:"$out/im-rgb8-adam7.png";   pillow_rgb "$out/im-rgb8-adam7.png" > "$out/im-rgb8-adam7.rgb"
convert "$tmp/src.ppm" -strip -colorspace Gray -define png:color-type=0 -depth 8 "$out/im-gray8.png"; pillow_rgb "$out/im-gray8.png" > "$out/im-gray8.rgb"
convert "$tmp/src.ppm" -strip -colors 40 PNG8:"$out/im-palette8.png";          pillow_rgb "$out/im-palette8.png" > "$out/im-palette8.rgb"
convert "$tmp/src-alpha.png" -strip PNG32:"$out/im-rgba8.png";                 pillow_rgb "$out/im-rgba8.png" > "$out/im-rgba8.rgb"
convert "$tmp/src.ppm" -strip -evaluate multiply 1.0001 PNG48:"$out/im-rgb16.png"; convert "$out/im-rgb16.png" -depth 8 rgb:- > "$out/im-rgb16.rgb"

# JPEG (cjpeg/djpeg)
jpeg() { local name=$1; shift; cjpeg "$@" -outfile "$out/$name.jpg" "$tmp/src.ppm"; djpeg -ppm -outfile "$tmp/$name.ppm" "$out/$name.jpg"; ppm_rgb "$tmp/$name.ppm" > "$out/$name.rgb"; }
jpeg cjpeg-q90 -quality 90
jpeg cjpeg-q75-444 -quality 75 -sample 1x1
jpeg cjpeg-progressive -quality 85 -progressive
jpeg cjpeg-arithmetic -quality 85 -arithmetic
jpeg cjpeg-restart-optimize -quality 80 -restart 1 -optimize
jpeg cjpeg-grayscale -quality 90 -grayscale
jpeg cjpeg-422 -quality 90 -sample 2x1

# WebP (cwebp/dwebp)
webp() { local name=$1 input=$2; shift 2; cwebp -quiet "$@" "$input" -o "$out/$name.webp"; dwebp -quiet -ppm "$out/$name.webp" -o "$tmp/$name.ppm"; ppm_rgb "$tmp/$name.ppm" > "$out/$name.rgb"; }
webp cwebp-q80 "$tmp/src.ppm" -q 80
webp cwebp-lossless "$tmp/src.ppm" -lossless
webp cwebp-alpha-lossy "$tmp/src-alpha.png" -q 80
webp cwebp-alpha-lossless "$tmp/src-alpha.png" -lossless -exact
ls -l "$out"
