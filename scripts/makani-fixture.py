#!/usr/bin/env python3
"""Build the makani SFNO parity fixture (Tests/ImportTests/Fixtures/makani).

A reduced HENS-style SFNO (config sfno_linear_74chq_sc2_layers8_edim620_wstgl2 with
8 channels, a 33x64 equiangular data grid, embed 32, 2 layers) is built with makani's
own classes, its parameters are perturbed with seeded noise, and it is written as two
model packages:

  makani/     current makani (spectral weight complex64 [groups=1, in, out, l]),
              saved with makani.utils.driver.Driver.save_checkpoint (legacy mode)
  hens-fork/  the HENS fork of makani (ankurmahesh/modulus-makani-fork, branch
              multicheckpoint; spectral weight complex64 [in, out, l]), saved the way
              that fork's Trainer.save_checkpoint does in legacy mode; plus the same
              weights as model.safetensors (complex split into a trailing [re, im] axis)

Both packages hold the same weights. Each is then loaded with its own makani's
load_model_package and stepped autoregressively the way its consumer steps it
(Earth2Studio's SFNO._forward for current makani, earth2mip's Inference loop for the
fork); the outputs are the references.

Usage (see the fixture README for the environment):

  python scripts/makani-fixture.py --out Tests/ImportTests/Fixtures/makani \
      --makani-src /tmp/src/makani --fork-src /tmp/src/fork \
      --makani-commit <sha> --fork-commit <sha>

--makani-src / --fork-src are directories holding the `makani` Python package of each
code base (for example `git -C <mirror> archive HEAD makani config | tar -x -C <dir>`).
The script runs each code base in its own subprocess (both are the package `makani`),
with scripts/makani-fixture-stubs on PYTHONPATH for modules the forward pass does not
use (physicsnemo / modulus, wandb, zarr, moviepy, pynvml, numba); see the stubs' docstrings.
"""

import argparse
import copy
import datetime as dt
import json
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
STUBS = os.path.join(HERE, "makani-fixture-stubs")

CHANNELS = ["u10m", "v10m", "t2m", "sp", "msl", "tcwv", "z500", "t850"]
# realistic global means / stds (ERA5-like magnitudes), used as global_means/global_stds
MEANS = [-0.05, 0.19, 278.5, 96650.0, 100960.0, 18.9, 54110.0, 274.6]
STDS = [5.55, 4.77, 21.3, 9600.0, 1330.0, 16.4, 3350.0, 15.6]
NLAT, NLON = 33, 64  # equiangular incl. both poles: the 721x1440 analogue (nlat = nlon/2 + 1)
EMBED, LAYERS, SCALE = 32, 2, 2
NFREQ = 16
T0 = dt.datetime(2023, 6, 15, 0, 0)  # UTC
DT_HOURS = 6
STEPS = 4
SEED = 20230615
HENS_CONFIG = "sfno_linear_74chq_sc2_layers8_edim620_wstgl2"
CKPT = os.path.join("training_checkpoints", "best_ckpt_mp0.tar")
N_IN = len(CHANNELS) + 1 + 2 * NFREQ + 1 + 2  # state + xzen + sin grid + xoro + 2 one-hot lsm


# --------------------------------------------------------------------------------------
# shared inputs (numpy only)
# --------------------------------------------------------------------------------------

def grid_deg():
    lat = 90.0 - 180.0 * np.arange(NLAT) / (NLAT - 1)
    lon = 360.0 * np.arange(NLON) / NLON
    return lat, lon


def smooth_field(rng, lmax=6):
    """Random smooth field: a few low-order products of Fourier modes in lon and
    Legendre-like modes in colatitude (periodic in lon, regular at the poles)."""
    lat, lon = grid_deg()
    th = np.deg2rad(90.0 - lat)[:, None]
    ph = np.deg2rad(lon)[None, :]
    f = np.zeros((NLAT, NLON))
    for m in range(0, lmax):
        for k in range(m, lmax):
            a, b = rng.standard_normal(2) / (1.0 + k)
            f += np.sin(th) ** m * np.cos(k * th) * (a * np.cos(m * ph) + b * np.sin(m * ph))
    return (f - f.mean()) / f.std()


def make_shared(work):
    rng = np.random.default_rng(SEED)
    lat, lon = grid_deg()
    coslat = np.cos(np.deg2rad(lat))[:, None]
    x = np.zeros((1, len(CHANNELS), NLAT, NLON))
    for c, name in enumerate(CHANNELS):
        f = smooth_field(rng)
        if name in ("t2m", "t850"):
            base = MEANS[c] - 0.8 * STDS[c] + 1.6 * STDS[c] * coslat ** 2  # warm tropics
            x[0, c] = base + 0.3 * STDS[c] * f
        elif name == "tcwv":
            x[0, c] = np.clip(5.0 + 40.0 * coslat ** 3 + 6.0 * f, 0.5, None)
        elif name == "z500":
            x[0, c] = 51000.0 + 7000.0 * coslat ** 2 + 0.4 * STDS[c] * f
        else:
            x[0, c] = MEANS[c] + 0.8 * STDS[c] * f
    np.save(os.path.join(work, "input.npy"), x.astype(np.float32))

    means = np.asarray(MEANS, np.float32).reshape(1, -1, 1, 1)
    stds = np.asarray(STDS, np.float32).reshape(1, -1, 1, 1)
    np.save(os.path.join(work, "global_means.npy"), means)
    np.save(os.path.join(work, "global_stds.npy"), stds)

    # invariants written like the NCAR RDA ERA5 files makani reads (variable Z / LSM,
    # dims (time, latitude, longitude), float32): orography >= 0, land mask in [0, 1]
    # with exact 0s (sea), exact 1s (land) and fractional coast values
    land = smooth_field(rng, lmax=5)
    z = np.clip(land, 0.0, None) * 9000.0 + 0.0  # geopotential m^2 s^-2
    lsm = np.clip(0.5 + 1.2 * land, 0.0, 1.0)
    write_invariant(os.path.join(work, "orography.nc"), "Z", z, "m**2 s**-2", "Geopotential")
    write_invariant(os.path.join(work, "land_mask.nc"), "LSM", lsm, "(0 - 1)", "Land-sea mask")


def write_invariant(path, var, field, units, long_name):
    import netCDF4

    lat, lon = grid_deg()
    with netCDF4.Dataset(path, "w", format="NETCDF4") as ds:
        ds.createDimension("time", 1)
        ds.createDimension("latitude", NLAT)
        ds.createDimension("longitude", NLON)
        t = ds.createVariable("time", "i4", ("time",))
        t.units = "hours since 1900-01-01 00:00:00"
        t[:] = [692496]  # 1979-01-01 00:00
        la = ds.createVariable("latitude", "f8", ("latitude",))
        la.units = "degrees_north"
        la[:] = lat
        lo = ds.createVariable("longitude", "f8", ("longitude",))
        lo.units = "degrees_east"
        lo[:] = lon
        v = ds.createVariable(var, "f4", ("time", "latitude", "longitude"))
        v.units = units
        v.long_name = long_name
        v[0] = field.astype(np.float32)


def make_config(fork_src):
    """The HENS config (fork's config/sfnonet.yaml) plus the keys makani's trainer adds
    before save_model_package dumps params.to_dict(), with the sizes reduced."""
    from ruamel.yaml import YAML

    with open(os.path.join(fork_src, "config", "sfnonet.yaml")) as f:
        cfg = YAML(typ="safe").load(f)[HENS_CONFIG]
    cfg = json.loads(json.dumps(cfg))  # plain dict, merge keys resolved
    lat, lon = grid_deg()
    cfg.update(
        {
            "config": HENS_CONFIG,
            "channel_names": CHANNELS,
            "embed_dim": EMBED,
            "num_layers": LAYERS,
            "scale_factor": SCALE,
            "grid_num_frequencies": NFREQ,
            "img_shape_x": NLAT,
            "img_shape_y": NLON,
            "img_crop_shape_x": NLAT,
            "img_crop_shape_y": NLON,
            "img_crop_offset_x": 0,
            "img_crop_offset_y": 0,
            "img_local_shape_x": NLAT,
            "img_local_shape_y": NLON,
            "img_local_offset_x": 0,
            "img_local_offset_y": 0,
            "N_in_channels": N_IN,
            "N_out_channels": len(CHANNELS),
            "N_in_predicted_channels": len(CHANNELS),
            "N_target_channels": len(CHANNELS),
            "in_channels": list(range(len(CHANNELS))),
            "out_channels": list(range(len(CHANNELS))),
            "lat": lat.tolist(),
            "lon": lon.tolist(),
            "data_grid_type": "equiangular",
            "dhours": DT_HOURS,
            "dt": 1,
            "n_history": 0,
            "n_future": 0,
            "history_normalization_mode": "none",
            "add_zenith": True,
            # what the fork's trainer writes (get_auxiliary_channels is called with the
            # key `gridtype`, not `grid_type`, so the grid features get the plain names)
            "aux_channel_names": ["xzen", "xgrlat", "xgrlon", "xoro", "xlsml", "xlsms"],
            "experiment_dir": "/fixture/" + HENS_CONFIG,
            "checkpoint_path": "/fixture/" + HENS_CONFIG + "/training_checkpoints/ckpt_mp{mp_rank}.tar",
            "best_checkpoint_path": "/fixture/" + HENS_CONFIG + "/training_checkpoints/best_ckpt_mp{mp_rank}.tar",
            "batch_size": 1,
            "log_to_wandb": False,
        }
    )
    return cfg


# --------------------------------------------------------------------------------------
# workers (run with one makani on PYTHONPATH)
# --------------------------------------------------------------------------------------

def torch_setup():
    import torch

    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(SEED)
    return torch


def perturb(model, torch):
    """Seeded noise on every parameter so that no weight is trivially 0 or 1."""
    g = torch.Generator().manual_seed(SEED + 1)
    with torch.no_grad():
        for name, p in sorted(model.named_parameters()):
            if p.is_complex():
                sigma = 0.25 * float(p.abs().std()) / np.sqrt(2.0)
                noise = torch.complex(torch.randn(p.shape, generator=g), torch.randn(p.shape, generator=g))
                p.add_((sigma * noise).to(p.dtype))
            elif p.dim() == 1:  # biases, norm weights and biases
                p.add_(0.1 * torch.randn(p.shape, generator=g))
            else:
                p.add_(0.25 * float(p.std()) * torch.randn(p.shape, generator=g))


class Capture:
    """Forward hook on the bare network: its input and output of the first call."""

    def __init__(self):
        self.inp = None
        self.out = None

    def __call__(self, module, args, out):
        if self.inp is None:
            self.inp = args[0].detach().clone()
            self.out = out.detach().clone()


def worker_current(out):
    torch = torch_setup()
    from makani.models import model_registry
    from makani.models.model_package import LocalPackage, load_model_package
    from makani.models.networks.sfnonet import SphericalFourierNeuralOperatorNet
    from makani.utils.YParams import ParamsBase, ensure_resampled_shapes
    from makani.utils.driver import Driver

    pkg = os.path.join(out, "makani")
    # entry point of makani's pyproject ("SFNO = makani.models.networks.sfnonet:SphericalFourierNeuralOperatorNet")
    if "SFNO" not in model_registry.list_models():
        model_registry.register_model(SphericalFourierNeuralOperatorNet, "SFNO")

    # build the network exactly as load_model_package does, perturb it, save it with the driver
    params = ParamsBase.from_json(os.path.join(pkg, "config.json"))
    ensure_resampled_shapes(params)
    LocalPackage._load_static_data(LocalPackage(pkg), params)
    model = model_registry.get_model(params, multistep=False)
    perturb(model, torch)
    os.makedirs(os.path.join(pkg, "training_checkpoints"), exist_ok=True)
    Driver.save_checkpoint(os.path.join(pkg, CKPT), model, counters={"iters": 70 * 54000, "epoch": 70})
    reference_state = {k: v.clone() for k, v in model.state_dict().items()}

    runs = []
    for _ in range(2):  # reproducibility: two fresh loads and rollouts
        wrapper = load_model_package(LocalPackage(pkg), pretrained=True, device="cpu")
        loaded = wrapper.model.state_dict()
        assert all(torch.equal(loaded[k], reference_state[k]) for k in reference_state)
        cap = Capture()
        wrapper.model.model.register_forward_hook(cap)
        x = torch.from_numpy(np.load(os.path.join(out, "input.npy")))
        t = T0.replace(tzinfo=dt.timezone.utc)
        outs = []
        with torch.inference_mode():
            for _step in range(STEPS):
                # Earth2Studio SFNO._forward: time = valid time of the input, UTC-aware,
                # physical units in and out (normalized_data=False)
                x = wrapper(x, [t], normalized_data=False)
                t = t + dt.timedelta(hours=DT_HOURS)
                outs.append(x.clone())
        runs.append((outs, cap))
    save_references(pkg, runs, torch)
    describe_state(pkg, reference_state, torch)


def worker_fork(out):
    torch = torch_setup()
    # the fork (numpy < 1.25 era) has an unused `from numpy.lib.arraypad import pad` in
    # makani/models/common/layers.py; numpy 2 made that module private. Alias it.
    import types

    if "numpy.lib.arraypad" not in sys.modules:
        shim = types.ModuleType("numpy.lib.arraypad")
        shim.pad = np.pad
        sys.modules["numpy.lib.arraypad"] = shim
    from makani.models import model_registry
    from makani.models.model_package import LocalPackage, load_model_package, _load_static_data
    from makani.models.networks.sfnonet import SphericalFourierNeuralOperatorNet
    from makani.utils.YParams import ParamsBase

    pkg = os.path.join(out, "hens-fork")
    if "SFNO" not in model_registry.list_models():
        model_registry.register_model(SphericalFourierNeuralOperatorNet, "SFNO")

    # the fork's network, built the way its load_model_package builds it
    params = ParamsBase.from_json(os.path.join(pkg, "config.json"))
    _load_static_data(LocalPackage(pkg), params)
    params.img_local_offset_x = 0
    params.img_local_offset_y = 0
    params.img_local_shape_x = params.img_shape_x
    params.img_local_shape_y = params.img_shape_y
    model = model_registry.get_model(params)

    # the same weights as the current-makani package: drop the group axis of the
    # spectral weights (the inverse of Earth2Studio's unsqueeze(0) on load)
    cur = torch.load(os.path.join(out, "makani", CKPT), map_location="cpu", weights_only=False)["model_state"]
    conv = {}
    for k, v in cur.items():
        v = torch.Tensor(v.detach()).clone()  # plain tensor, no makani attributes
        if k.endswith(".filter.filter.weight"):
            assert v.shape[0] == 1
            v = v.squeeze(0).contiguous()
        conv[k] = v
    own = model.state_dict()
    assert sorted(own) == sorted(conv), (sorted(set(own) ^ set(conv)))
    for k in own:
        assert own[k].shape == conv[k].shape and own[k].dtype == conv[k].dtype, k
    model.load_state_dict(conv, strict=True)

    # the fork's Trainer.save_checkpoint, legacy mode: DDP-wrapped model ("module." keys),
    # optimizer state and the params object in the store dict
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.95), weight_decay=0.0)
    state = model.state_dict()
    store = {
        "iters": 70 * 54000,
        "epoch": 70,
        "model_state": type(state)(("module." + k, v) for k, v in state.items()),
        "optimizer_state_dict": optimizer.state_dict(),
        # the trainer's params object (here: the package's config, without the
        # machine-local package paths the loader filled in)
        "params": ParamsBase.from_json(os.path.join(pkg, "config.json")),
    }
    os.makedirs(os.path.join(pkg, "training_checkpoints"), exist_ok=True)
    torch.save(store, os.path.join(pkg, CKPT))
    write_safetensors(pkg, state, torch)

    means = np.load(os.path.join(pkg, "global_means.npy"))
    stds = np.load(os.path.join(pkg, "global_stds.npy"))
    center = torch.from_numpy(np.squeeze(means)[params.in_channels]).float()[:, None, None]
    scale = torch.from_numpy(np.squeeze(stds)[params.in_channels]).float()[:, None, None]
    runs = []
    for _ in range(2):
        wrapper = load_model_package(LocalPackage(pkg), pretrained=True, device="cpu")
        cap = Capture()
        wrapper.model.model.register_forward_hook(cap)
        x = torch.from_numpy(np.load(os.path.join(out, "input.npy")))
        t = T0  # earth2mip passes the naive datetime the user gave (UTC by convention)
        outs = []
        with torch.inference_mode():
            # earth2mip.networks.Inference._iterate: normalise once, step in normalised
            # space with model(x, time), time += time_step, denormalise each output
            xn = (x - center) / scale
            for _step in range(STEPS):
                xn = wrapper(xn, t)
                t = t + dt.timedelta(hours=DT_HOURS)
                outs.append(scale * xn + center)
        runs.append((outs, cap))
    save_references(pkg, runs, torch)
    describe_state(pkg, state, torch)


def write_safetensors(pkg, state, torch):
    from safetensors.torch import save_file

    tensors, complex_keys = {}, {}
    for k, v in state.items():
        if v.is_complex():
            tensors[k] = torch.view_as_real(v.contiguous()).contiguous()
            complex_keys[k] = {"dtype": "complex64", "shape": list(v.shape)}
        else:
            tensors[k] = v.contiguous()
    meta = {"format": "pt", "complex": "trailing axis of 2 = [real, imag] (torch.view_as_real)"}
    save_file(tensors, os.path.join(pkg, "model.safetensors"), metadata=meta)
    sidecar = {
        "config": "config.json",
        "source": CKPT + " (model_state without the 'module.' prefix)",
        "layout": "HENS fork: spectral weights [in, out, lmax]",
        "complex_convention": "a complex64 tensor of shape S is stored as float32 S + [2], last axis [real, imag]",
        "complex_tensors": complex_keys,
    }
    with open(os.path.join(pkg, "model.safetensors.json"), "w") as f:
        json.dump(sidecar, f, indent=2)
        f.write("\n")


def save_references(pkg, runs, torch):
    ref = os.path.join(pkg, "reference")
    os.makedirs(ref, exist_ok=True)
    (outs, cap), (outs2, cap2) = runs
    np.save(os.path.join(ref, "output_step1.npy"), outs[0].numpy().astype(np.float32))
    np.save(os.path.join(ref, "output_step4.npy"), outs[STEPS - 1].numpy().astype(np.float32))
    np.save(os.path.join(ref, "network_input_step1.npy"), cap.inp.numpy().astype(np.float32))
    np.save(os.path.join(ref, "network_output_step1.npy"), cap.out.numpy().astype(np.float32))
    repro = max(float((a - b).abs().max()) for a, b in zip(outs, outs2))
    repro = max(repro, float((cap.inp - cap2.inp).abs().max()), float((cap.out - cap2.out).abs().max()))
    with open(os.path.join(ref, "_run.json"), "w") as f:
        json.dump(
            {
                "rerun_max_abs_diff": repro,
                "torch": torch.__version__,
                "torch_harmonics": __import__("torch_harmonics").__version__,
                "numpy": np.__version__,
                "output_abs_max_per_step": [float(o.abs().max()) for o in outs],
            },
            f,
            indent=2,
        )


def describe_state(pkg, state, torch):
    rows = [{"key": k, "shape": list(v.shape), "dtype": str(v.dtype).replace("torch.", "")} for k, v in state.items()]
    with open(os.path.join(pkg, "reference", "_state.json"), "w") as f:
        json.dump(rows, f, indent=1)


# --------------------------------------------------------------------------------------
# driver
# --------------------------------------------------------------------------------------

def git_head(src):
    for d in (src, os.path.dirname(src)):
        try:
            return subprocess.check_output(["git", "-C", d, "rev-parse", "HEAD"], text=True, stderr=subprocess.DEVNULL).strip()
        except Exception:
            pass
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--makani-src", default="/tmp/src/makani")
    ap.add_argument("--fork-src", default="/tmp/src/fork")
    ap.add_argument("--makani-commit", help="commit of --makani-src (recorded in fixture.json)")
    ap.add_argument("--fork-commit", help="commit of --fork-src (recorded in fixture.json)")
    ap.add_argument("--worker", choices=["current", "fork"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    out = os.path.abspath(args.out)

    if args.worker == "current":
        return worker_current(out)
    if args.worker == "fork":
        return worker_fork(out)

    os.makedirs(out, exist_ok=True)
    make_shared(out)
    cfg = make_config(args.fork_src)
    for layout in ("makani", "hens-fork"):
        pkg = os.path.join(out, layout)
        os.makedirs(pkg, exist_ok=True)
        c = copy.deepcopy(cfg)
        if layout == "makani":
            # current makani appends cos(f*grid) too unless told otherwise; HENS-era
            # configs lack the key (Earth2Studio sets it to False when absent)
            c["add_cos_to_grid"] = False
        with open(os.path.join(pkg, "config.json"), "w") as f:
            json.dump(c, f, indent=4, sort_keys=True)
            f.write("\n")
        for name in ("global_means.npy", "global_stds.npy", "orography.nc", "land_mask.nc"):
            with open(os.path.join(out, name), "rb") as src, open(os.path.join(pkg, name), "wb") as dst:
                dst.write(src.read())
        with open(os.path.join(pkg, "metadata.json"), "w") as f:
            json.dump({"entrypoint": {"name": "makani.models.model_package:load_time_loop"}}, f, indent=4, sort_keys=True)
            f.write("\n")
    for name in ("global_means.npy", "global_stds.npy", "orography.nc", "land_mask.nc"):
        os.remove(os.path.join(out, name))

    for worker, src in (("current", args.makani_src), ("fork", args.fork_src)):
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([os.path.abspath(src), STUBS])
        env["PYTHONHASHSEED"] = "0"
        if worker == "fork":
            # the fork calls torch.load without weights_only; torch >= 2.6 defaults to
            # weights_only=True, which rejects the pickled params object in the checkpoint
            env["TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD"] = "1"
        subprocess.check_call([sys.executable, os.path.abspath(__file__), "--out", out, "--worker", worker], env=env)

    # cross-check of the two layouts (same weights)
    summary = {
        "makani_commit": args.makani_commit or git_head(args.makani_src),
        "fork_commit": args.fork_commit or git_head(args.fork_src),
        "init_time_utc": T0.isoformat() + "Z",
        "dt_hours": DT_HOURS,
        "steps": STEPS,
        "channels": CHANNELS,
        "grid": {"type": "equiangular (both poles)", "nlat": NLAT, "nlon": NLON},
        "n_network_inputs": N_IN,
        "seed": SEED,
        "layouts": {},
        "cross_layout": {},
    }
    for layout in ("makani", "hens-fork"):
        with open(os.path.join(out, layout, "reference", "_run.json")) as f:
            summary["layouts"][layout] = json.load(f)
    for name in ("network_input_step1", "network_output_step1", "output_step1", "output_step4"):
        a = np.load(os.path.join(out, "makani", "reference", name + ".npy")).astype(np.float64)
        b = np.load(os.path.join(out, "hens-fork", "reference", name + ".npy")).astype(np.float64)
        d = np.abs(a - b)
        summary["cross_layout"][name] = {
            "max_abs": float(d.max()),
            "max_rel": float((d / np.maximum(np.abs(a), 1e-30)).max()),
            "max_abs_over_channel_std": float((d / np.asarray(STDS).reshape(1, -1, 1, 1)).max()) if a.shape[1] == len(CHANNELS) else None,
        }
    with open(os.path.join(out, "fixture.json"), "w") as f:
        json.dump(summary, f, indent=2)
        f.write("\n")
    print(json.dumps(summary["cross_layout"], indent=2))
    print(json.dumps({k: v["rerun_max_abs_diff"] for k, v in summary["layouts"].items()}))


if __name__ == "__main__":
    main()
