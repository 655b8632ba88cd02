"""Stub for numba, used only by the HENS fork's makani/third_party/climt/zenith_angle.py.

That file decorates plain NumPy functions with @jit(forceobj=True) / @njit; in
object mode numba runs the same Python/NumPy code, so an identity decorator
gives the same float32 results (current makani's zenith_angle_v2.py is the same
arithmetic without numba)."""


def jit(*args, **kwargs):
    if len(args) == 1 and callable(args[0]) and not kwargs:
        return args[0]
    return lambda f: f


njit = jit
