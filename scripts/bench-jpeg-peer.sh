#!/usr/bin/env bash
# FluxServe's image encoders against the Debian tools and Pillow on the same 1024x1024 photograph-like picture.
#
#   FluxServe: bench/FluxServe.Benchmarks CodecBenchmarks (BenchmarkDotNet, --runs iterations), which also writes the
#              picture as a PPM.
#   JPEG:      cjpeg -quality 90 (libjpeg-turbo-progs; 4:2:0 and the accurate DCT, as FluxServe writes)
#   PNG:       ImageMagick's convert (libpng, its default: zlib level 7, adaptive filters)
#   WebP:      cwebp -q 90 and cwebp -lossless (webp)
#   Pillow:    the same three formats encoded in-process (python3-pil: libjpeg-turbo, its own PNG writer over zlib
#              level 6 with adaptive filters, libwebp), which has no process start-up or file I/O in its figure.
#
# Command-line tools are timed with hyperfine (a loop over `date +%s%N` when hyperfine is missing); their figures
# include process start-up and reading the 3 MiB PPM, which the line "start-up" (cjpeg on an 8x8 picture) estimates.
# Missing tools are installed with apt (as root or through sudo): for this measurement only, FluxServe never runs them.
#
# Usage: scripts/bench-jpeg-peer.sh [--runs 30] [--skip-dotnet] [--work DIR]
#   --skip-dotnet  reuse DIR's BenchmarkDotNet results and PPM from an earlier run (with --work DIR)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=30
skip_dotnet=0
work=""
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --skip-dotnet) skip_dotnet=1; shift ;;
    --work) work=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$work" ] || work=$(mktemp -d /tmp/fluxserve-codec-bench.XXXXXX)
mkdir -p "$work"
python=/usr/bin/python3

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
missing=()
command -v cjpeg >/dev/null 2>&1 || missing+=(libjpeg-turbo-progs)
command -v cwebp >/dev/null 2>&1 || missing+=(webp)
command -v hyperfine >/dev/null 2>&1 || missing+=(hyperfine)
[ -x /usr/bin/convert ] || missing+=(imagemagick)
[ -x "$python" ] && "$python" -c 'import PIL' 2>/dev/null || missing+=(python3-pil)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing ${missing[*]} for the measurement" >&2
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" || echo "could not install ${missing[*]}; continuing without" >&2
fi

ppm="$work/photo.ppm"
if [ "$skip_dotnet" -eq 0 ]; then
  echo "== FluxServe (BenchmarkDotNet, $runs iterations, in process; built under $work/build)" >&2
  (cd "$root" && FLUXSERVE_CODEC_PPM="$ppm" dotnet run -c Release --artifacts-path "$work/build" --project bench/FluxServe.Benchmarks -- \
    --filter '*CodecBenchmarks*' --warmupCount 3 --iterationCount "$runs" --inProcess --exporters briefjson --artifacts "$work/bdn" >&2)
fi
[ -s "$ppm" ] || { echo "no picture at $ppm (run without --skip-dotnet)" >&2; exit 1; }
"$python" -c 'import sys; open(sys.argv[1], "wb").write(b"P6\n8 8\n255\n" + bytes(range(192)))' "$work/tiny.ppm"

# time_tool NAME COMMAND...: mean seconds into $work/NAME.json ({"mean": s, "stddev": s}).
time_tool() {
  local name=$1; shift
  if command -v hyperfine >/dev/null 2>&1; then
    hyperfine --shell=none --warmup 3 --runs "$runs" --style none --export-json "$work/$name.hyperfine.json" -- "$(printf '%q ' "$@")" >/dev/null
    "$python" -c 'import json, sys; r = json.load(open(sys.argv[1]))["results"][0]; json.dump({"mean": r["mean"], "stddev": r["stddev"], "min": r["min"]}, open(sys.argv[2], "w"))' \
      "$work/$name.hyperfine.json" "$work/$name.json"
  else
    local times=() start end
    for _ in 1 2 3; do "$@" >/dev/null; done
    for _ in $(seq "$runs"); do start=$(date +%s%N); "$@" >/dev/null; end=$(date +%s%N); times+=($((end - start))); done
    "$python" -c 'import json, statistics, sys; t = [int(x) / 1e9 for x in sys.argv[2:]]; json.dump({"mean": statistics.mean(t), "stddev": statistics.stdev(t), "min": min(t)}, open(sys.argv[1], "w"))' \
      "$work/$name.json" "${times[@]}"
  fi
}

echo "== command-line peers ($runs runs each)" >&2
command -v cjpeg >/dev/null 2>&1 && {
  time_tool cjpeg-q90 cjpeg -quality 90 -outfile "$work/cjpeg.jpg" "$ppm"
  time_tool cjpeg-startup cjpeg -quality 90 -outfile "$work/tiny.jpg" "$work/tiny.ppm"
}
command -v cwebp >/dev/null 2>&1 && {
  time_tool cwebp-q90 cwebp -quiet -q 90 "$ppm" -o "$work/cwebp.webp"
  time_tool cwebp-lossless cwebp -quiet -lossless "$ppm" -o "$work/cwebp-lossless.webp"
}
[ -x /usr/bin/convert ] && time_tool imagemagick-png /usr/bin/convert "$ppm" "png:$work/imagemagick.png"

echo "== Pillow in-process" >&2
"$python" - "$ppm" "$work/pillow.json" "$runs" <<'PY' || echo "Pillow unavailable; skipped" >&2
import io, json, statistics, sys, time
from PIL import Image
image = Image.open(sys.argv[1]).convert("RGB")
runs = int(sys.argv[3])
cases = {
    "pillow-jpeg-q90": dict(format="JPEG", quality=90),
    "pillow-png": dict(format="PNG"),
    "pillow-webp-q90": dict(format="WEBP", quality=90),
    "pillow-webp-lossless": dict(format="WEBP", lossless=True),
}
result = {}
for name, options in cases.items():
    n = runs if "lossless" not in name else max(3, runs // 5)
    times = []
    for i in range(n + 2):
        buffer = io.BytesIO()
        start = time.perf_counter()
        image.save(buffer, **options)
        if i >= 2:
            times.append(time.perf_counter() - start)
    result[name] = {"mean": statistics.mean(times), "stddev": statistics.stdev(times), "min": min(times), "bytes": buffer.tell()}
json.dump(result, open(sys.argv[2], "w"))
PY

"$python" - "$work" <<'PY'
import glob, json, os, sys
work = sys.argv[1]
ours = {}
for path in glob.glob(os.path.join(work, "bdn", "results", "*CodecBenchmarks*-report-brief.json")):
    for b in json.load(open(path))["Benchmarks"]:
        ours[b["Method"]] = {"mean": b["Statistics"]["Mean"] / 1e9, "min": b["Statistics"]["Min"] / 1e9}
peers = {}
for path in glob.glob(os.path.join(work, "*.json")):
    name = os.path.basename(path)[:-5]
    data = json.load(open(path))
    if name == "pillow":
        peers.update(data)
    elif not name.endswith(".hyperfine"):
        peers[name] = data
def ms(seconds): return f"{seconds * 1e3:.2f}" if seconds is not None else "-"
def stat(table, key, which): return table[key][which] if key in table else None
def ratio(a, b): return f"{a / b:.2f}" if a and b else "-"
startup = stat(peers, "cjpeg-startup", "min")
def size(path):
    p = os.path.join(work, path)
    return os.path.getsize(p) if os.path.exists(p) else None
rows = [
    ("JPEG q90", "JpegEncodeQuality90", [("cjpeg -quality 90", "cjpeg-q90", True), ("Pillow quality=90", "pillow-jpeg-q90", False)]),
    ("PNG", "PngEncode", [("ImageMagick convert", "imagemagick-png", True), ("Pillow", "pillow-png", False)]),
    ("WebP q90", "WebPEncodeQuality90", [("cwebp -q 90", "cwebp-q90", True), ("Pillow quality=90", "pillow-webp-q90", False)]),
    ("WebP lossless", "WebPEncodeLossless", [("cwebp -lossless", "cwebp-lossless", True), ("Pillow lossless", "pillow-webp-lossless", False)]),
]
print("1024x1024 photograph-like picture. Times in ms, mean and min: FluxServe = BenchmarkDotNet; tools = hyperfine,")
print(f"including process start-up (min {ms(startup)} ms for cjpeg on an 8x8 picture); Pillow = in-process. On a busy machine,")
print("compare the minima.")
print(f"{'encode':14} {'FluxServe':>17}   {'peer':20} {'peer':>17} {'ratio mean':>10} {'ratio min':>9} {'min, peer start-up removed':>27}")
for label, method, peer_list in rows:
    own_mean, own_min = stat(ours, method, "mean"), stat(ours, method, "min")
    for peer_label, key, is_process in peer_list:
        p_mean, p_min = stat(peers, key, "mean"), stat(peers, key, "min")
        adjusted = ratio(own_min, p_min - startup) if is_process and startup and p_min and p_min > startup else ""
        print(f"{label:14} {ms(own_mean):>8} {ms(own_min):>8}   {peer_label:20} {ms(p_mean):>8} {ms(p_min):>8} {ratio(own_mean, p_mean):>10} {ratio(own_min, p_min):>9} {adjusted:>27}")
for method in ("JpegDecode", "PngDecode", "WebPDecode"):
    if method in ours:
        print(f"{method:14} {ms(stat(ours, method, 'mean')):>8} {ms(stat(ours, method, 'min')):>8}")
sizes = {"FluxServe jpeg": size("photo.ppm.fluxserve-q90.jpg"), "FluxServe png": size("photo.ppm.fluxserve.png"),
         "FluxServe webp q90": size("photo.ppm.fluxserve-q90.webp"), "FluxServe webp lossless": size("photo.ppm.fluxserve-lossless.webp")}
sizes.update({"cjpeg": size("cjpeg.jpg"), "cwebp q90": size("cwebp.webp"), "cwebp lossless": size("cwebp-lossless.webp"), "ImageMagick png": size("imagemagick.png")})
sizes.update({k: v["bytes"] for k, v in peers.items() if "bytes" in v})
print("file sizes (bytes): " + ", ".join(f"{k} {v}" for k, v in sizes.items() if v))
PY
echo "results in $work" >&2
