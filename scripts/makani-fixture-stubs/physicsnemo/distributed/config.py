from _nemo_common import *  # noqa: F401,F403
from _nemo_common import DistributedManager, ProcessGroupNode, ProcessGroupConfig, compute_split_shapes, split_tensor_along_dim, gather_from_parallel_region, scatter_to_parallel_region, reduce_from_parallel_region, copy_to_parallel_region  # noqa: F401
