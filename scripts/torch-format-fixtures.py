#!/usr/bin/env python3
"""Small fixtures of the checkpoint formats hens imports (torch.save ZIP files, .npy,
safetensors), written with the Python standard library only, into
Tests/DatasetIOTests/Fixtures/torch-formats/ (or the folder given as the first argument).

Why no torch here: the fixtures must be reproducible anywhere, and the point is to pin the
layout hens reads. The torch layout is mimicked exactly: a ZIP of stored entries
<prefix>/data.pkl, <prefix>/data/<key>, <prefix>/version, <prefix>/byteorder, the pickle written
at protocol 2 with persistent ids ('storage', torch.<X>Storage, key, 'cpu', numel) and tensors
reduced to torch._utils._rebuild_tensor_v2 — by stand-in modules named like torch's, so the
pickle's GLOBAL opcodes name exactly what torch's do.

  python3 scripts/torch-format-fixtures.py            # the standard-library fixtures
  python3 scripts/torch-format-fixtures.py --real     # also real_torch.pt (needs torch)
  python3 scripts/torch-format-fixtures.py --check-safetensors OUT.safetensors
                                                      # read a hens-written file with the
                                                      # safetensors package (not run in CI)
"""
import collections, io, os, pickle, struct, sys, types, zipfile, zlib

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "..", "Tests", "DatasetIOTests", "Fixtures", "torch-formats")


# ---------------------------------------------------------------- stand-ins for torch's names
def module(name):
    m = types.ModuleType(name)
    sys.modules[name] = m
    return m


torch = module("torch")
torch_utils = module("torch._utils")
torch_tensor = module("torch._tensor")
module("makani"); module("makani.utils")
yparams = module("makani.utils.YParams")


def global_function(mod, name):
    def f(*args):
        raise RuntimeError("stand-in, never called")
    f.__module__, f.__name__, f.__qualname__ = mod.__name__, name, name
    setattr(mod, name, f)
    return f


rebuild_tensor_v2 = global_function(torch_utils, "_rebuild_tensor_v2")
rebuild_parameter = global_function(torch_utils, "_rebuild_parameter")
rebuild_from_type_v2 = global_function(torch_tensor, "_rebuild_from_type_v2")

# name -> (struct format of one element, element size)
STORAGES = {
    "FloatStorage": ("<f", 4), "DoubleStorage": ("<d", 8), "HalfStorage": ("<e", 2),
    "BFloat16Storage": (None, 2), "ComplexFloatStorage": ("<ff", 8), "LongStorage": ("<q", 8),
}
storage_types = {}
for name in STORAGES:
    cls = type(name, (), {"__module__": "torch"})
    setattr(torch, name, cls)
    storage_types[name] = cls
TensorType = type("Tensor", (), {"__module__": "torch"})
torch.Tensor = TensorType


class ParamsBase:
    """makani.utils.YParams.ParamsBase: pickled by NEWOBJ + BUILD, as makani's is."""
ParamsBase.__module__ = "makani.utils.YParams"
yparams.ParamsBase = ParamsBase


class Storage:
    def __init__(self, type_name, key, values):
        self.type_name, self.key, self.values = type_name, key, values

    def data(self):
        fmt, size = STORAGES[self.type_name]
        if self.type_name == "BFloat16Storage":  # the upper 16 bits of a float32
            return b"".join(struct.pack("<H", struct.unpack("<I", struct.pack("<f", v))[0] >> 16) for v in self.values)
        if self.type_name == "ComplexFloatStorage":
            return b"".join(struct.pack("<ff", v.real, v.imag) for v in self.values)
        return b"".join(struct.pack(fmt, v) for v in self.values)


class Tensor:
    def __init__(self, storage, offset, shape, strides, parameter=False, attributes=None):
        self.storage, self.offset, self.shape, self.strides = storage, offset, tuple(shape), tuple(strides)
        self.parameter, self.attributes = parameter, attributes

    def __reduce_ex__(self, protocol):
        args = (self.storage, self.offset, self.shape, self.strides, False, collections.OrderedDict())
        if self.attributes is not None:  # a tensor with Python attributes, as torch pickles it
            return (rebuild_from_type_v2, (rebuild_tensor_v2, TensorType, args, self.attributes))
        if self.parameter:
            return (rebuild_parameter, (Tensor(self.storage, self.offset, self.shape, self.strides), True, collections.OrderedDict()))
        return (rebuild_tensor_v2, args)


class TorchPickler(pickle.Pickler):
    def __init__(self, f):
        super().__init__(f, protocol=2)
        self.storages = {}

    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            self.storages[obj.key] = obj
            return ("storage", storage_types[obj.type_name], obj.key, "cpu", len(obj.values))
        return None


def torch_pickle(obj):
    buffer = io.BytesIO()
    pickler = TorchPickler(buffer)
    pickler.dump(obj)
    return buffer.getvalue(), pickler.storages


# ---------------------------------------------------------------- a ZIP writer (stored entries)
def write_zip(path, entries, zip64=False, align=64):
    """Stored entries; data aligned to `align` bytes by padding the local extra field (as torch
    does). zip64=True writes every size and offset as 0xFFFFFFFF with ZIP64 extra fields, plus
    the ZIP64 end record and locator, like an archive larger than 4 GiB."""
    out = bytearray()
    central = bytearray()
    for name, data in entries:
        name_bytes = name.encode()
        crc = zlib.crc32(data) & 0xFFFFFFFF
        offset = len(out)
        local_extra = b""
        if zip64:
            local_extra = struct.pack("<HHQQ", 1, 16, len(data), len(data))
        pad = (-(offset + 30 + len(name_bytes) + len(local_extra) + 4)) % align
        local_extra += struct.pack("<HH", 0xFB1E, pad) + b"Z" * pad  # torch's padding block id
        size32 = 0xFFFFFFFF if zip64 else len(data)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 45 if zip64 else 20, 0, 0, 0, 0x21, crc, size32, size32,
                           len(name_bytes), len(local_extra)) + name_bytes + local_extra + data
        central_extra = struct.pack("<HHQQQ", 1, 24, len(data), len(data), offset) if zip64 else b""
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45 if zip64 else 20, 45 if zip64 else 20, 0, 0, 0, 0x21,
                               crc, size32, size32, len(name_bytes), len(central_extra), 0, 0, 0, 0,
                               0xFFFFFFFF if zip64 else offset) + name_bytes + central_extra
    cd_offset = len(out)
    out += central
    count = len(entries)
    if zip64:
        record = len(out)
        out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count, len(central), cd_offset)
        out += struct.pack("<IIQI", 0x07064B50, 0, record, 1)
        out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    else:
        out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), cd_offset, 0)
    with open(path, "wb") as f:
        f.write(out)
    with zipfile.ZipFile(path) as z:  # Python's reader must agree
        assert [i.filename for i in z.infolist()] == [n for n, _ in entries]
        assert z.testzip() is None


def write_torch_file(path, obj, prefix="archive", zip64=False, raw_pickle=None):
    data, storages = torch_pickle(obj) if raw_pickle is None else (raw_pickle, {})
    entries = [(f"{prefix}/data.pkl", data), (f"{prefix}/byteorder", b"little")]
    entries += [(f"{prefix}/data/{key}", s.data()) for key, s in sorted(storages.items())]
    entries += [(f"{prefix}/version", b"3\n")]
    write_zip(path, entries, zip64=zip64)


# ---------------------------------------------------------------- the fixtures
def state_dict():
    base = Storage("FloatStorage", "2", [float(i) for i in range(12)])  # a 3×4 matrix 0…11
    sd = collections.OrderedDict()
    sd["a"] = Tensor(Storage("FloatStorage", "0", [0.5 * i for i in range(6)]), 0, (2, 3), (3, 1))
    sd["c"] = Tensor(Storage("ComplexFloatStorage", "1", [complex(i, -i) for i in range(4)]), 0, (4,), (1,), parameter=True)
    sd["t"] = Tensor(base, 0, (4, 3), (1, 4))       # base.t(): non-contiguous
    sd["s"] = Tensor(base, 4, (2, 4), (4, 1))       # base[1:]: storage offset 4
    sd["h"] = Tensor(Storage("HalfStorage", "3", [1.5, -2.0, 65504.0, 2.0 ** -24]), 0, (4,), (1,))
    sd["bf"] = Tensor(Storage("BFloat16Storage", "4", [1.0, -3.5, 256.0]), 0, (3,), (1,))
    sd["d"] = Tensor(Storage("DoubleStorage", "5", [0.1, -1e300]), 0, (2,), (1,))
    sd["attr"] = Tensor(Storage("FloatStorage", "6", [7.0, 8.0]), 0, (2,), (1,), attributes={"note": "python attribute"})
    sd["num_batches_tracked"] = Tensor(Storage("LongStorage", "7", [42]), 0, (), ())
    sd._metadata = collections.OrderedDict([("", {"version": 1})])  # as nn.Module.state_dict() sets
    return sd


def makani_checkpoint():
    params = ParamsBase()
    params.lr = 1e-3
    params.channels = ["u10m", "v10m", "z500"]
    step = Tensor(Storage("FloatStorage", "90", [3.0]), 0, (), ())
    moment = Tensor(Storage("FloatStorage", "91", [0.0] * 6), 0, (2, 3), (3, 1))
    return {
        "iters": 1200, "epoch": 3, "model_state": state_dict(),
        "optimizer_state_dict": {"state": {0: {"step": step, "exp_avg": moment, "exp_avg_sq": moment}},
                                 "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.95), "params": [0, 1], "foreach": None}]},
        "scheduler_state_dict": {"T_max": 10, "last_epoch": 3, "_last_lr": [9e-4], "name": b"cosine"},
        "params": params,
    }


def evil(module_name, name, stack_global=False):
    """A pickle that, under torch.load(weights_only=False), would call module.name('id')."""
    if stack_global:
        m, n = module_name.encode(), name.encode()
        body = b"\x80\x04\x8c" + bytes([len(m)]) + m + b"\x8c" + bytes([len(n)]) + n + b"\x93"
    else:
        body = b"\x80\x02c" + module_name.encode() + b"\n" + name.encode() + b"\n"
    return body + b"X\x02\x00\x00\x00id\x85R."


def npy(path, descr, shape, payload, fortran=False, version=1):
    shape_text = "(" + "".join(f"{n}, " for n in shape).rstrip(" ") + ")" if len(shape) != 1 else f"({shape[0]},)"
    header = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, "True" if fortran else "False", shape_text)
    prefix = 10 if version == 1 else 12
    header += " " * ((-(prefix + len(header) + 1)) % 64) + "\n"
    length = struct.pack("<H", len(header)) if version == 1 else struct.pack("<I", len(header))
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY" + bytes([version, 0]) + length + header.encode() + payload)


def safetensors(path, tensors, metadata):
    """tensors: [(name, dtype code, shape, bytes)] in data order."""
    import json
    header, offset, data = {"__metadata__": metadata}, 0, b""
    for name, code, shape, payload in tensors:
        header[name] = {"dtype": code, "shape": list(shape), "data_offsets": [offset, offset + len(payload)]}
        offset += len(payload)
        data += payload
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((-len(text)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


def main():
    args = sys.argv[1:]
    if args[:1] == ["--check-safetensors"]:
        from safetensors.numpy import load_file
        for name, array in load_file(args[1]).items():
            print(name, array.dtype, array.shape, array.ravel()[:4])
        return
    real = "--real" in args
    args = [a for a in args if a != "--real"]
    out = os.path.abspath(args[0] if args else DEFAULT_OUT)
    os.makedirs(out, exist_ok=True)
    p = lambda name: os.path.join(out, name)

    write_torch_file(p("state_dict.pt"), state_dict(), prefix="state_dict")
    write_torch_file(p("makani_checkpoint.tar"), makani_checkpoint(), prefix="best_ckpt_mp0")
    write_torch_file(p("zip64.pt"), state_dict(), prefix="zip64", zip64=True)
    write_torch_file(p("evil_os_system.pt"), None, raw_pickle=evil("os", "system"))
    write_torch_file(p("evil_builtins_eval.pt"), None, raw_pickle=evil("builtins", "eval"))
    write_torch_file(p("evil_posix_system.pt"), None, raw_pickle=evil("posix", "system"))
    write_torch_file(p("evil_subprocess_popen.pt"), None, raw_pickle=evil("subprocess", "Popen", stack_global=True))

    npy(p("float64_2x3.npy"), "<f8", (2, 3), struct.pack("<6d", *[0.25 * i - 0.5 for i in range(6)]))
    npy(p("float32_vector.npy"), "<f4", (4,), struct.pack("<4f", 1.0, -2.5, 3.25, 1e-3), version=2)
    npy(p("int64_scalar.npy"), "<i8", (), struct.pack("<q", -7))
    npy(p("uint8_2x2.npy"), "|u1", (2, 2), bytes([0, 1, 254, 255]), version=3)
    npy(p("bool_3.npy"), "|b1", (3,), bytes([1, 0, 1]))
    npy(p("fortran_2x3.npy"), "<f8", (2, 3), struct.pack("<6d", 0, 3, 1, 4, 2, 5), fortran=True)  # row-major 0…5

    half = struct.pack("<3e", 1.5, -2.0, 0.5)
    bf16 = b"".join(struct.pack("<H", struct.unpack("<I", struct.pack("<f", v))[0] >> 16) for v in (1.0, -3.5))
    safetensors(p("small.safetensors"), [
        ("weight", "F32", (2, 3), struct.pack("<6f", *[0.5 * i for i in range(6)])),
        ("bias", "F64", (2,), struct.pack("<2d", 0.1, -0.2)),
        ("half", "F16", (3,), half),
        ("brain", "BF16", (2,), bf16),
        ("steps", "I64", (), struct.pack("<q", 99)),
    ], {"format": "pt", "source": "hens fixtures"})

    if real:
        write_real_torch(p("real_torch.pt"))


def write_real_torch(path):
    """A tiny state dict saved by torch itself (run with a Python that has torch)."""
    for name in list(sys.modules):
        if name == "torch" or name.startswith("torch.") or name.startswith("makani"):
            del sys.modules[name]
    import torch as real_torch
    base = real_torch.arange(12, dtype=real_torch.float32).reshape(3, 4)
    sd = collections.OrderedDict()
    sd["a"] = real_torch.arange(6, dtype=real_torch.float32).reshape(2, 3) * 0.5
    sd["c"] = real_torch.nn.Parameter(real_torch.complex(real_torch.arange(4.0), -real_torch.arange(4.0)))
    sd["h"] = real_torch.tensor([1.5, -2.0, 65504.0, 2.0 ** -24], dtype=real_torch.float16)
    sd["t"] = base.t()
    sd["s"] = base[1:]
    sd["bf"] = real_torch.tensor([1.0, -3.5, 256.0], dtype=real_torch.bfloat16)
    x = real_torch.tensor([7.0, 8.0])
    x.note = "python attribute"  # pickled through torch._tensor._rebuild_from_type_v2
    sd["attr"] = x
    real_torch.save(sd, path)
    with zipfile.ZipFile(path) as z:
        print(f"real_torch.pt: torch {real_torch.__version__}; entries {z.namelist()}")
    with open(path, "rb") as f:
        print("ZIP64 end record present:", b"PK\x06\x06" in f.read())


if __name__ == "__main__":
    main()
