"""A minimal safetensors writer (and reader) for the reference generators in this folder.

Format: 8-byte little-endian header length, a JSON header {name: {dtype, shape, data_offsets}} padded with
spaces to a multiple of 8, then the raw little-endian tensor bytes. Written by hand so that the generators need
nothing beyond Debian's python3-torch (1.13, no safetensors package).
"""

import json
import struct

import torch

_DTYPES = {
    torch.float32: ("F32", 4),
    torch.float64: ("F64", 8),
    torch.bfloat16: ("BF16", 2),
    torch.float16: ("F16", 2),
    torch.int64: ("I64", 8),
    torch.int32: ("I32", 4),
    torch.uint8: ("U8", 1),
}
_BY_NAME = {name: dtype for dtype, (name, _) in _DTYPES.items()}


def _raw_bytes(tensor):
    t = tensor.detach().contiguous().cpu()
    if t.dtype in (torch.bfloat16, torch.float16):
        return t.view(torch.int16).numpy().astype("<i2").tobytes()
    return t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()


def save(path, tensors, metadata=None):
    """Writes {name: tensor} (names sorted, as the reference crate does) to path."""
    header = {}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name]
        dtype, _ = _DTYPES[t.dtype]
        data = _raw_bytes(t)
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def load(path):
    """Reads a file written by save() back into {name: tensor} (for self-checks)."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    body = raw[8 + n :]
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        dtype = _BY_NAME[entry["dtype"]]
        begin, end = entry["data_offsets"]
        chunk = bytearray(body[begin:end])
        if dtype in (torch.bfloat16, torch.float16):
            t = torch.frombuffer(chunk, dtype=torch.int16).view(dtype)
        else:
            t = torch.frombuffer(chunk, dtype=dtype)
        out[name] = t.reshape(entry["shape"]).clone()
    return out
