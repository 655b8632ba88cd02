"""Shared pieces of the physicsnemo / modulus stubs used by scripts/makani-fixture.py.

makani imports these names at module level only; on one CPU process without
makani.utils.comm.init() they are never called on the forward path
(comm.get_size(...) returns 1, so no distributed layer or mapping is built).
Every function that would move data across ranks raises if called, so a stub can
never silently change a result.
"""
from dataclasses import dataclass


@dataclass
class ModelMetaData:
    """Stand-in for physicsnemo/modulus ModelMetaData: a plain dataclass of flags."""
    name: str = "ModulusModule"
    jit: bool = False
    cuda_graphs: bool = False
    amp: bool = False
    amp_cpu: bool = None
    amp_gpu: bool = None
    torch_fx: bool = False
    bf16: bool = False
    onnx: bool = False
    onnx_gpu: bool = None
    onnx_cpu: bool = None
    onnx_runtime: bool = False
    trt: bool = False
    var_dim: int = -1
    func_torch: bool = False
    auto_grad: bool = False


class Module:
    """Only from_torch is used: makani calls it to build the exported SFNO/FNO
    aliases. Returning the torch class unchanged keeps its forward and
    state_dict exactly as makani defines them (the real from_torch wraps the
    class in a subclass that adds metadata, not computation)."""

    @staticmethod
    def from_torch(torch_model_class, meta=None, register=False, name=None):
        return torch_model_class


class DistributedManager:
    _shared = {}

    def __init__(self):
        self.world_size = 1
        self.rank = 0
        self.local_rank = 0

    @staticmethod
    def initialize(*args, **kwargs):
        raise RuntimeError("stub DistributedManager: the fixture runs on one process")

    @staticmethod
    def is_initialized():
        return False


class ProcessGroupNode:
    def __init__(self, name, size=None):
        self.name, self.size = name, size


class ProcessGroupConfig:
    def __init__(self, root):
        raise RuntimeError("stub ProcessGroupConfig: the fixture runs on one process")


def compute_split_shapes(size, num_chunks):
    """Same arithmetic as physicsnemo.distributed.utils.compute_split_shapes
    (only called when a dimension is split over >1 rank; here num_chunks == 1)."""
    if num_chunks == 1:
        return [size]
    chunk_size = (size + num_chunks - 1) // num_chunks
    last_chunk_size = max(0, size - chunk_size * (num_chunks - 1))
    if last_chunk_size == 0:
        chunk_size = size // num_chunks
        last_chunk_size = size - chunk_size * (num_chunks - 1)
    return [chunk_size for _ in range(num_chunks - 1)] + [last_chunk_size]


def _no_comm(*args, **kwargs):
    raise RuntimeError("stub: distributed mapping called, but the fixture runs on one process")


split_tensor_along_dim = _no_comm
gather_from_parallel_region = _no_comm
scatter_to_parallel_region = _no_comm
reduce_from_parallel_region = _no_comm
copy_to_parallel_region = _no_comm


class ModelRegistry:
    def __init__(self, *a, **k):
        pass

    def register(self, *a, **k):
        pass

    def list_models(self):
        return []
