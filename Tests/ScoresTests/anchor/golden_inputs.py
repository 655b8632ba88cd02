"""Deterministic inputs shared by the golden scripts and EvaluationTests (GoldenInputs.swift).

A SplitMix64 stream (hens' SeededGenerator) gives uniforms u = ((bits >> 11) + 0.5) / 2**53, and
each value is (((u1 + u2) + u3) + u4 - 2.0) * scale + shift (Irwin-Hall, roughly normal), rounded
to float32. Only exact IEEE operations in a fixed order are used, so Swift reproduces every value
bit for bit.
"""
import numpy as np

MASK = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def uniform(self):
        return ((self.next() >> 11) + 0.5) / 2.0**53

    def value(self, scale, shift):
        u1 = self.uniform(); u2 = self.uniform(); u3 = self.uniform(); u4 = self.uniform()
        return float(np.float32((((u1 + u2) + u3) + u4 - 2.0) * scale + shift))


def values(seed, count, scale, shift):
    g = SplitMix64(seed)
    return np.array([g.value(scale, shift) for _ in range(count)], dtype=np.float64)
