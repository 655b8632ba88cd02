#!/usr/bin/env python3
"""Times torch-harmonics' Spherical Fourier Neural Operator on the CPU: the reference that
`hens bench sfno --anchor PYTHON` compares hens' SFNO with, in the same run.

For every configuration and thread count (torch.set_num_threads):
  inference  one forward call on a batch of B members under torch.inference_mode(), eager fp32;
             member-steps/s = B / seconds per call;
  training   one optimiser step on B samples: forward, mean-squared error, backward, Adam at
             lr 1e-4, on a freshly built model per measurement.
Also: the dense FLOPs of one member-step, counted from the modules the model actually calls
(forward hooks on a batch of one) under the conventions of docs/formulas.md ("Parameter and FLOP
counts"), and the torch.mm SGEMM rate (n = 2048) at each thread count.

The configurations are those of hens' SFNOBenchConfig: the example model of torch-harmonics
with an equiangular data grid (both poles), a Legendre-Gauss internal grid, 8 channels in and
out, MLP ratio 2, instance norm, residual prediction, no position embedding, no biases outside
the MLP.

The JSON (--json) is what hens reads: {"configs": {NAME: {"inference": [ROW], "training": [ROW],
"flops": {"dense_total": ...}}}, "torch_version", "torch_harmonics_version", "mode", "python",
"date", "cpu", "nproc", "gemm"} with ROW = {"threads", "batch", "median_s", "min_s", "max_s",
"runs", "other_cpu_pct"}.
"""
import argparse
import collections
import math
import sys
import time

import anchorlib

# name -> (data grid rows, columns, scale factor, embedding width, blocks), as in hens.
CONFIGS = {
    "s2-e64-l4": (121, 240, 2, 64, 4),
    "s2-e128-l4": (121, 240, 2, 128, 4),
    "s2-e128-l8": (121, 240, 2, 128, 8),
    "s1-e64-l4": (121, 240, 1, 64, 4),
    "t-s1-e64-l4": (64, 128, 1, 64, 4),
}
CHANNELS = 8


def say(text):
    print(f"[sfno anchor] {text}", file=sys.stderr, flush=True)


def build(name, seed):
    """The torch-harmonics model of configuration `name`, every argument spelled out (the
    library's defaults differ between releases)."""
    import torch
    from torch_harmonics.examples.models import SphericalFourierNeuralOperator

    nlat, nlon, scale, embed, layers = CONFIGS[name]
    torch.manual_seed(seed)
    return SphericalFourierNeuralOperator(
        img_size=(nlat, nlon), grid="equiangular", grid_internal="legendre-gauss", scale_factor=scale,
        in_chans=CHANNELS, out_chans=CHANNELS, embed_dim=embed, num_layers=layers, activation_function="gelu",
        encoder_layers=1, use_mlp=True, mlp_ratio=2.0, drop_rate=0.0, drop_path_rate=0.0,
        normalization_layer="instance_norm", hard_thresholding_fraction=1.0, residual_prediction=True,
        pos_embed="none", bias=False).float()


def dense_flops(model, nlat, nlon):
    """FLOPs of one member-step as torch-harmonics executes it, from the calls a forward pass of
    one member makes. Conventions: a real multiply-add 2 FLOP, a complex one 8; a real FFT of
    length n 2.5 n log2 n; the Legendre stage of E fields on nlat rings 4 lmax mmax nlat E;
    activations, biases and adds 1 per element; an instance norm 6 per element."""
    import torch

    flops = collections.Counter()
    hooks = []

    def pointwise(module, inputs, output):
        points = output.shape[-2] * output.shape[-1]
        flops["pointwise linear"] += 2 * module.in_channels * module.out_channels * points
        if module.bias is not None:
            flops["pointwise linear"] += module.out_channels * points

    def transform(module, inputs, output):
        fields = inputs[0].shape[1]
        flops["fft"] += fields * module.nlat * 2.5 * module.nlon * math.log2(module.nlon)
        flops["legendre"] += 4 * module.lmax * module.mmax * module.nlat * fields

    def contraction(module, inputs, output):
        out_channels, in_channels = module.weight.shape[0], module.weight.shape[1]
        flops["contraction"] += 8 * out_channels * in_channels * module.modes_lat * module.modes_lon

    def per_element(label, factor):
        def hook(module, inputs, output):
            flops[label] += factor * output[0].numel()
        return hook

    for module in model.modules():
        kind = type(module).__name__
        if isinstance(module, torch.nn.Conv2d):
            hooks.append(module.register_forward_hook(pointwise))
        elif kind in ("RealSHT", "InverseRealSHT"):
            hooks.append(module.register_forward_hook(transform))
        elif kind == "SpectralConvS2":
            hooks.append(module.register_forward_hook(contraction))
        elif isinstance(module, torch.nn.InstanceNorm2d):
            hooks.append(module.register_forward_hook(per_element("norm", 6)))
        elif isinstance(module, torch.nn.GELU):
            hooks.append(module.register_forward_hook(per_element("activation", 1)))
        elif kind == "SphericalFourierNeuralOperatorBlock":
            # the block's outer skip: output = MLP(...) + residual
            hooks.append(module.register_forward_hook(per_element("skip", 1)))
    with torch.inference_mode():
        output = model(torch.zeros(1, CHANNELS, nlat, nlon))
    for hook in hooks:
        hook.remove()
    flops["residual prediction"] += output.numel()
    return {"dense_total": float(sum(flops.values())), "components": dict(flops)}


def gemm_rates(threads, n=2048, budget=1.0, min_runs=3):
    """torch.mm GFLOP/s at each thread count: the peak that torch's GEMM-bound layers can reach."""
    import torch

    generator = torch.Generator().manual_seed(7)
    a, b = torch.rand(n, n, generator=generator), torch.rand(n, n, generator=generator)
    c = torch.empty(n, n)
    rows = []
    for t in threads:
        torch.set_num_threads(t)
        timing = anchorlib.measure(lambda: torch.mm(a, b, out=c), budget, min_runs)
        rows.append({"library": "torch.mm", "threads": t, "n": n, "gflops_median": 2 * n ** 3 / timing["median_s"] / 1e9,
                     "gflops_best": 2 * n ** 3 / timing["min_s"] / 1e9, "other_cpu_pct": timing["other_cpu_pct"]})
        say(f"torch.mm n={n} t{t}: {rows[-1]['gflops_median']:.1f} GFLOP/s median")
    return rows


def time_inference(name, model, threads, batches, args):
    import torch

    nlat, nlon = CONFIGS[name][:2]
    generator = torch.Generator().manual_seed(2)
    rows = []
    model.eval()
    for t in threads:
        torch.set_num_threads(t)
        for batch in batches:
            x = torch.randn(batch, CHANNELS, nlat, nlon, generator=generator)
            with torch.inference_mode():
                row = anchorlib.measure(lambda: model(x), args.budget, args.min_runs, args.max_runs)
            row.update(threads=t, batch=batch, member_steps_per_s=batch / row["median_s"])
            rows.append(row)
            say(f"{name} inference t{t} B={batch}: {1e3 * row['median_s']:.1f} ms/call "
                f"({row['member_steps_per_s']:.2f} member-steps/s, {row['runs']} runs, other load {row['other_cpu_pct']} %)")
    return rows


def time_training(name, threads, batches, args):
    import torch

    nlat, nlon = CONFIGS[name][:2]
    generator = torch.Generator().manual_seed(3)
    rows = []
    for t in threads:
        torch.set_num_threads(t)
        for batch in batches:
            model = build(name, seed=1)
            model.train()
            optimiser = torch.optim.Adam(model.parameters(), lr=1e-4)
            x = torch.randn(batch, CHANNELS, nlat, nlon, generator=generator)
            y = torch.randn(batch, CHANNELS, nlat, nlon, generator=generator)

            def step():
                optimiser.zero_grad(set_to_none=True)
                torch.nn.functional.mse_loss(model(x), y).backward()
                optimiser.step()

            row = anchorlib.measure(step, args.budget, args.min_runs, args.max_runs)
            row.update(threads=t, batch=batch, samples_per_s=batch / row["median_s"])
            rows.append(row)
            say(f"{name} training t{t} B={batch}: {1e3 * row['median_s']:.1f} ms/step "
                f"({row['runs']} runs, other load {row['other_cpu_pct']} %)")
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configs", default="s2-e64-l4,s2-e128-l8", help="comma-separated: " + ", ".join(CONFIGS))
    parser.add_argument("--threads", default="1,2", help="comma-separated torch thread counts")
    parser.add_argument("--batches", default="1,8,32", help="inference batch sizes")
    parser.add_argument("--train-batches", default="4", help="training batch sizes ('' for none)")
    parser.add_argument("--budget", type=float, default=1.0, help="seconds of timing per measurement after the warm-up call")
    parser.add_argument("--min-runs", type=int, default=3, help="minimum timed calls per measurement")
    parser.add_argument("--max-runs", type=int, default=10_000, help="maximum timed calls per measurement")
    parser.add_argument("--no-gemm", action="store_true", help="skip the torch.mm rates")
    parser.add_argument("--json", help="write the document here")
    args = parser.parse_args()
    names = [name for name in args.configs.split(",") if name]
    unknown = [name for name in names if name not in CONFIGS]
    if unknown:
        parser.error(f"--configs: unknown {', '.join(unknown)} (known: {', '.join(CONFIGS)})")
    threads, batches, train_batches = (anchorlib.int_list(args.threads), anchorlib.int_list(args.batches),
                                       anchorlib.int_list(args.train_batches))

    import torch
    import torch_harmonics

    document = {"torch_version": torch.__version__, "torch_harmonics_version": torch_harmonics.__version__,
                "mode": "eager", **anchorlib.machine(), "configs": {}}
    say(f"torch {torch.__version__}, torch-harmonics {torch_harmonics.__version__}, eager fp32 on {document['cpu']}")
    document["gemm"] = [] if args.no_gemm else gemm_rates(threads)
    for name in names:
        started = time.perf_counter()
        model = build(name, seed=1)
        nlat, nlon = CONFIGS[name][:2]
        flops = dense_flops(model, nlat, nlon)
        parameters = sum(p.numel() for p in model.parameters())
        say(f"{name}: {parameters:,} parameters (numel), {flops['dense_total'] / 1e9:.3f} dense GFLOP per member-step")
        document["configs"][name] = {
            "parameters_numel": parameters, "flops": flops,
            "inference": time_inference(name, model, threads, batches, args),
            "training": time_training(name, threads, train_batches, args),
            "wall_s": time.perf_counter() - started,
        }
    anchorlib.write_json(args.json, document)


if __name__ == "__main__":
    main()
