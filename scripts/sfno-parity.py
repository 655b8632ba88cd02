#!/usr/bin/env python3
"""sfno-parity.py -- export a tiny torch-harmonics SFNO as a float64 parity fixture for hens.

Builds torch_harmonics.examples.models.SphericalFourierNeuralOperator (torch-harmonics 0.9.3)
with the arguments in KWARGS (those of bench/anchors/sfno_anchor.py, shrunk), runs it in float64 on a
fixed random input, takes L = sum(output * R) for a fixed random R, back-propagates, and writes
weights, input, output, R, L, all gradients, the SHT grids and a few intermediates to one JSON
file that Swift's Foundation can read. Format and conventions: Tests/SFNOTests/parity/README.md.

Usage (from the repository root; needs the anchors venv with torch-harmonics 0.9.3):
  bench/.venv/bin/python scripts/sfno-parity.py
  ... --out PATH --seed 0 --img-size 17,32 --num-layers 2

float64 caveat: stock torch-harmonics 0.9.3 cannot run this model in float64 as built:
  * SpectralConvS2.forward starts with `x = x.float()`, so the SHT, the spectral contraction,
    the ISHT and the returned residual are float32 whatever the model dtype;
  * the constructor calls .float() on every (I)SHT, so after model.double() the Legendre
    tables are float64 copies of float32-rounded values;
  * Module.double() leaves complex parameters complex64.
This script therefore (1) casts complex weights to complex128, (2) rebuilds every (I)SHT table
in float64 with the same torch-harmonics routine, and (3) replaces SpectralConvS2.forward, per
instance, by the same code without the cast to float32. The mathematics is unchanged; the
JSON records how far the stock float32 model is from the fixture ("checks").
"""
import argparse
import hashlib
import inspect
import json
import math
import os
import platform
import sys
import types
import warnings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(ROOT, "Tests", "SFNOTests", "parity", "th-example-tiny.json")
FORMAT = "hens-sfno-parity-v1"
EXPECTED_TH = "0.9.3"

# Every constructor argument, explicit, as bench/anchors/sfno_anchor.py builds the model; the size is tiny.
KWARGS = dict(
    img_size=(17, 32),  # equiangular incl. both poles (like 121x240, 721x1440)
    grid="equiangular",
    grid_internal="legendre-gauss",
    scale_factor=2,
    in_chans=3,
    out_chans=3,
    embed_dim=8,
    num_layers=2,
    activation_function="gelu",
    encoder_layers=1,  # ignored by torch-harmonics 0.9.3 (one 1x1 conv)
    use_mlp=True,
    mlp_ratio=2.0,
    drop_rate=0.0,
    drop_path_rate=0.0,
    normalization_layer="instance_norm",
    hard_thresholding_fraction=1.0,
    residual_prediction=True,
    pos_embed="none",
    bias=False,
)
BATCH = 2
# Intermediates stored (batch element 0). The full-grid ones of the last block are mostly left
# out to keep the file < 1 MB; encoder_out is a 1x1 conv of the input.
INTERMEDIATES = ["blocks.0.sht", "blocks.0.residual", "blocks.0.contracted", "blocks.0.conv_out", "blocks.0.norm_out",
                 "blocks.0.out", "blocks.1.sht", "blocks.1.contracted", "blocks.1.out"]
# Parameters that torch-harmonics initialises to constants (1 or 0). They are re-drawn after
# construction so that a forward-only comparison also exercises them.
PERTURB = {  # name suffix -> (mean, std)
    "norm.weight": (1.0, 0.1),
    "norm.bias": (0.0, 0.1),
    "mlp.fwd.0.bias": (0.0, 0.1),
}


# ---------------------------------------------------------------------------- helpers
def tensor_record(name, t):
    """Tensor -> JSON record. Complex tensors get a trailing axis of 2 (real, imag)."""
    import torch

    t = t.detach().cpu()
    rec = dict(name=name, shape=list(t.shape), dtype=str(t.dtype).replace("torch.", ""), complex=bool(t.is_complex()))
    if t.is_complex():
        t = torch.view_as_real(t.resolve_conj().contiguous())
    rec["stored_shape"] = list(t.shape)
    rec["values"] = [float(v) for v in t.contiguous().reshape(-1).tolist()]
    return rec


def spectral_forward_keep_dtype(self, x):
    """SpectralConvS2.forward of torch-harmonics 0.9.3 without `x = x.float()` (and without
    the CUDA-only autocast guards, which are no-ops on CPU). Records intermediates if asked."""
    residual = x
    x = self.forward_transform(x)
    cap = getattr(self, "_capture", None)
    if cap is not None:
        cap["sht"] = x
    if self.scale_residual:
        residual = self.inverse_transform(x)
    x = self.einsum_contract(x)
    if cap is not None:
        cap["contracted"] = x
    x = self.inverse_transform(x)
    if hasattr(self, "bias"):
        x = x + self.bias
    if cap is not None:
        cap["residual"] = residual
        cap["conv_out"] = x
    return x, residual


def rebuild_tables_float64(model):
    """Recompute every RealSHT / InverseRealSHT table in float64 (torch-harmonics code path)."""
    import torch
    from torch_harmonics import InverseRealSHT, RealSHT

    for mod in model.modules():
        if isinstance(mod, (RealSHT, InverseRealSHT)):
            fresh = type(mod)(mod.nlat, mod.nlon, lmax=mod.lmax, mmax=mod.mmax, grid=mod.grid, norm=mod.norm, csphase=mod.csphase)
            key = "weights" if isinstance(mod, RealSHT) else "pct"
            new = getattr(fresh, key)
            assert new.dtype == torch.float64 and new.shape == getattr(mod, key).shape
            old = getattr(mod, key)
            # the stock buffers are float32-rounded; record how much that is
            mod._f32_rounding = float((old.double() - new).abs().max())
            setattr(mod, key, new.clone())


def build(seed, kwargs):
    import torch
    from torch_harmonics.examples.models import SphericalFourierNeuralOperator

    torch.manual_seed(seed)
    model = SphericalFourierNeuralOperator(**kwargs)
    g = torch.Generator().manual_seed(seed + 1)
    perturbed = []
    with torch.no_grad():
        for name, p in model.named_parameters():
            for suf, (mu, sd) in PERTURB.items():
                if name.endswith(suf):
                    p.copy_(mu + sd * torch.randn(p.shape, generator=g, dtype=torch.float64).to(p.dtype))
                    perturbed.append(name)
    return model, perturbed


# ---------------------------------------------------------------------------- numpy re-implementation
def np_grid(nlat, grid):
    """Colatitudes (north first) and weights on x = cos(theta), from closed forms / numpy."""
    import numpy as np

    if grid == "equiangular":  # Clenshaw-Curtis, closed form
        n1 = nlat - 1
        theta = np.pi * np.arange(nlat) / n1
        w = np.empty(nlat)
        for k in range(nlat):
            s = 0.0
            for j in range(1, n1 // 2 + 1):
                b = 1.0 if 2 * j == n1 else 2.0
                s += b / (4 * j * j - 1) * math.cos(2 * j * theta[k])
            c = 1.0 if k in (0, n1) else 2.0
            w[k] = c / n1 * (1.0 - s)
        return theta, w
    if grid == "legendre-gauss":
        x, w = np.polynomial.legendre.leggauss(nlat)  # ascending x
        return np.arccos(x[::-1]), w[::-1].copy()
    raise ValueError(grid)


def np_legendre(K, theta):
    """Pbar[m, l, k] = sqrt((2l+1)/(4pi) (l-m)!/(l+m)!) P_l^m(cos theta_k), P_l^m WITH the
    Condon-Shortley phase (-1)^m; textbook (unnormalised) recurrence, zero for l < m."""
    import numpy as np

    x = np.cos(theta)
    s = np.sin(theta)
    P = np.zeros((K, K, len(x)))
    for m in range(K):
        pmm = ((-1) ** m) * math.prod(range(1, 2 * m, 2)) * s**m
        if m < K:
            P[m, m] = pmm
        if m + 1 < K:
            P[m, m + 1] = x * (2 * m + 1) * pmm
        for l in range(m + 2, K):
            P[m, l] = (x * (2 * l - 1) * P[m, l - 1] - (l + m - 1) * P[m, l - 2]) / (l - m)
        for l in range(m, K):
            P[m, l] *= math.sqrt((2 * l + 1) / (4 * math.pi) * math.factorial(l - m) / math.factorial(l + m))
    return P


def np_forward(kwargs, params, x):
    """The model, written from the README description only. params: name -> numpy array."""
    import numpy as np

    H, W = kwargs["img_size"]
    sf = kwargs["scale_factor"]
    h, w = (H - 1) // sf + 1, W // sf
    K = int(min(h, w // 2) * kwargs["hard_thresholding_fraction"])
    grids = {}
    for name, (nl, nn_, g) in dict(full=(H, W, kwargs["grid"]), internal=(h, w, kwargs["grid_internal"])).items():
        th, qw = np_grid(nl, g)
        grids[name] = (nl, nn_, qw, np_legendre(K, th))

    def sht(f, gname):
        nl, nlon, qw, P = grids[gname]
        F = 2 * np.pi * np.fft.rfft(f, axis=-1) / nlon
        F = F[..., :K] if F.shape[-1] >= K else np.concatenate([F, np.zeros(F.shape[:-1] + (K - F.shape[-1],))], -1)
        return np.einsum("...km,mlk,k->...lm", F, P, qw)

    def isht(c, gname):
        nl, nlon, qw, P = grids[gname]
        G = np.einsum("...lm,mlk->...km", c, P)
        G[..., 0] = G[..., 0].real  # drop Im at m = 0 (no Nyquist column: K <= nlon//2)
        return np.fft.irfft(G, n=nlon, axis=-1) * nlon  # f = G_0 + 2 Re sum_{m>0} G_m e^{im lambda}

    erf = np.vectorize(math.erf)
    conv = lambda wt, t: np.einsum("oi,bihw->bohw", wt[:, :, 0, 0], t)
    y = conv(params["encoder.0.weight"], x)
    L = kwargs["num_layers"]
    for i in range(L):
        gin = "full" if i == 0 else "internal"
        gout = "full" if i == L - 1 else "internal"
        p = f"blocks.{i}."
        X = sht(y, gin)
        res = isht(X, gout) if grids[gin][:2] != grids[gout][:2] else y
        Y = np.einsum("bilm,oil->bolm", X, params[p + "global_conv.weight"])
        z = isht(Y, gout)
        mu = z.mean(axis=(-2, -1), keepdims=True)
        var = ((z - mu) ** 2).mean(axis=(-2, -1), keepdims=True)
        z = (z - mu) / np.sqrt(var + 1e-6) * params[p + "norm.weight"][None, :, None, None] + params[p + "norm.bias"][None, :, None, None]
        z = conv(params[p + "mlp.fwd.0.weight"], z) + params[p + "mlp.fwd.0.bias"][None, :, None, None]
        z = 0.5 * z * (1.0 + erf(z / math.sqrt(2.0)))
        z = conv(params[p + "mlp.fwd.2.weight"], z)
        y = z + res
    return conv(params["decoder.0.weight"], y) + x


# ---------------------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--img-size", default="17,32", help="H,W of the equiangular grid (default 17,32)")
    ap.add_argument("--num-layers", type=int, default=2)
    args = ap.parse_args()

    import numpy as np
    import torch
    import torch_harmonics
    from torch_harmonics import InverseRealSHT, RealSHT
    from torch_harmonics.examples.models._layers import SpectralConvS2
    from torch_harmonics.quadrature import precompute_latitudes, precompute_longitudes

    warnings.filterwarnings("ignore")
    if not torch_harmonics.__version__.startswith(EXPECTED_TH):
        sys.exit(f"torch-harmonics {EXPECTED_TH} expected, found {torch_harmonics.__version__}")
    src = inspect.getsource(SpectralConvS2.forward)
    assert "x = x.float()" in src and "self.scale_residual" in src, "SpectralConvS2.forward changed; re-check the patch"
    torch.set_num_threads(1)

    kwargs = dict(KWARGS)
    kwargs["img_size"] = tuple(int(v) for v in args.img_size.split(","))
    kwargs["num_layers"] = args.num_layers
    H, W = kwargs["img_size"]

    # ---- fixture model: float64 throughout
    model, perturbed = build(args.seed, kwargs)
    stock_sd = {k: v.clone() for k, v in model.state_dict().items()}  # fp32 / complex64 originals
    with torch.no_grad():
        for p in model.parameters():
            p.data = p.data.to(torch.complex128 if p.is_complex() else torch.float64)
    rebuild_tables_float64(model)
    for mod in model.modules():
        if isinstance(mod, SpectralConvS2):
            mod.einsum_contract = types.MethodType(lambda self, x: torch.einsum(self.contract_func, x, self.weight), mod)
            mod.forward = types.MethodType(spectral_forward_keep_dtype, mod)
    model.eval()  # no dropout etc.; InstanceNorm2d has track_running_stats=False either way

    # ---- data
    g = torch.Generator().manual_seed(args.seed + 2)
    x = torch.randn(BATCH, kwargs["in_chans"], H, W, generator=g, dtype=torch.float64)
    R = torch.randn(BATCH, kwargs["out_chans"], H, W, generator=g, dtype=torch.float64)

    # ---- intermediates of batch element 0 (forward hooks + capture in the spectral conv)
    inter = {}
    hooks = [model.encoder.register_forward_hook(lambda m, i, o: inter.__setitem__("encoder_out", o))]
    for bi, blk in enumerate(model.blocks):
        blk.global_conv._capture = {}
        hooks.append(blk.norm.register_forward_hook(lambda m, i, o, bi=bi: inter.__setitem__(f"blocks.{bi}.norm_out", o)))
        hooks.append(blk.register_forward_hook(lambda m, i, o, bi=bi: inter.__setitem__(f"blocks.{bi}.out", o)))

    xg = x.clone().requires_grad_(True)
    out = model(xg)
    loss = (out * R).sum()
    loss.backward()
    for hk in hooks:
        hk.remove()
    for bi, blk in enumerate(model.blocks):
        for k, v in blk.global_conv._capture.items():
            inter[f"blocks.{bi}.{k}"] = v
        blk.global_conv._capture = None

    # ---- transforms and grids, read off the modules
    th = dict(trans_down=model.trans_down, itrans_up=model.itrans_up, trans=model.trans, itrans=model.itrans)
    transforms = [dict(module=k, type=type(m).__name__, nlat=m.nlat, nlon=m.nlon, lmax=m.lmax, mmax=m.mmax, grid=m.grid, norm=m.norm,
                       csphase=bool(m.csphase), table_shape=list((m.weights if isinstance(m, RealSHT) else m.pct).shape))
                  for k, m in th.items()]
    ident = {id(m): k for k, m in th.items()}
    blocks = []
    for bi, blk in enumerate(model.blocks):
        sc = blk.global_conv
        blocks.append(dict(index=bi, forward_transform=ident[id(sc.forward_transform)], inverse_transform=ident[id(sc.inverse_transform)],
                           scale_residual=bool(sc.scale_residual), operator_type=sc.operator_type, contract=sc.contract_func,
                           grid_in=[sc.forward_transform.nlat, sc.forward_transform.nlon, sc.forward_transform.grid],
                           grid_out=[sc.inverse_transform.nlat, sc.inverse_transform.nlon, sc.inverse_transform.grid],
                           norm=dict(type=type(blk.norm).__name__, eps=blk.norm.eps, affine=blk.norm.affine),
                           mlp_hidden=blk.mlp.fwd[0].out_channels, activation=repr(blk.mlp.fwd[1])))
    grids = {}
    for key, (nl, nlon, gname) in dict(input=(H, W, kwargs["grid"]), internal=(model.h, model.w, kwargs["grid_internal"])).items():
        lats, qw = precompute_latitudes(nl, grid=gname)
        th_np, qw_np = np_grid(nl, gname)
        grids[key] = dict(grid=gname, nlat=nl, nlon=nlon,
                          colatitudes=[float(v) for v in lats], quad_weights=[float(v) for v in qw],
                          longitudes=[float(v) for v in precompute_longitudes(nlon)],
                          max_abs_diff_vs_closed_form=dict(colatitudes=float(np.abs(lats.numpy() - th_np).max()),
                                                           quad_weights=float(np.abs(qw.numpy() - qw_np).max())),
                          sum_quad_weights=float(qw.sum()))

    # ---- checks
    checks = {}
    # (a) numpy re-implementation from the README description
    params_np = {k: v.detach().numpy() for k, v in model.state_dict().items()}
    out_np = np_forward(kwargs, params_np, x.numpy())
    checks["numpy_reimplementation_max_abs_diff_output"] = float(np.abs(out_np - out.detach().numpy()).max())
    # (b) stock torch-harmonics model (fp32, its own forward) with the same weights
    stock, _ = build(args.seed, kwargs)
    stock.load_state_dict(stock_sd)
    stock.eval()
    with torch.no_grad():
        out_stock = stock(x.float()).double()
    d = (out_stock - out.detach()).abs()
    checks["stock_fp32_model_vs_fixture"] = dict(max_abs_diff=float(d.max()), max_abs_output=float(out.detach().abs().max()),
                                                 note="stock torch-harmonics forward in float32, same (fp32) weights")
    checks["stock_sht_tables_fp32_rounding_max_abs"] = {k: m._f32_rounding for k, m in th.items()}
    # (c) central finite differences on a few scalars (also pins the complex-gradient convention)
    fd = []
    named = dict(model.named_parameters())

    def loss_at():
        with torch.no_grad():
            return float((model(x) * R).sum())

    probes = [("encoder.0.weight", (1, 2, 0, 0), None), ("blocks.0.global_conv.weight", (1, 2, 3), "real"),
              ("blocks.0.global_conv.weight", (1, 2, 3), "imag"), ("blocks.1.global_conv.weight", (4, 0, 0), "imag"),
              ("blocks.1.norm.bias", (5,), None), ("blocks.0.mlp.fwd.0.bias", (7,), None), ("decoder.0.weight", (2, 6, 0, 0), None)]
    eps = 1e-5
    for name, idx, part in probes:
        p = named[name]
        grad = p.grad[idx]
        delta = eps if part in (None, "real") else 1j * eps
        with torch.no_grad():
            p[idx] += delta
            lp = loss_at()
            p[idx] -= 2 * delta
            lm = loss_at()
            p[idx] += delta
        fdv = (lp - lm) / (2 * eps)
        gv = float(grad.imag if part == "imag" else grad.real) if p.is_complex() else float(grad)
        fd.append(dict(param=name, index=list(idx), part=part or "real", finite_difference=fdv, autograd=gv))
    i0 = (0, 0, 2, 5)
    with torch.no_grad():
        xp = x.clone(); xp[i0] += eps
        xm = x.clone(); xm[i0] -= eps
        fdv = (float((model(xp) * R).sum()) - float((model(xm) * R).sum())) / (2 * eps)
    fd.append(dict(param="input", index=list(i0), part="real", finite_difference=fdv, autograd=float(xg.grad[i0])))
    checks["finite_differences"] = fd
    checks["finite_differences_max_abs_diff"] = max(abs(r["finite_difference"] - r["autograd"]) for r in fd)
    checks["finite_differences_max_rel_diff"] = max(abs(r["finite_difference"] - r["autograd"]) / max(abs(r["autograd"]), 1e-300)
                                                    for r in fd if r["autograd"] != 0.0)
    w_imag_l0 = [float(named[f"blocks.{i}.global_conv.weight"].grad[:, :, 0].imag.abs().max()) for i in range(len(model.blocks))]
    checks["grad_imag_spectral_weight_l0_max_abs"] = w_imag_l0

    # ---- assemble
    n_numel = sum(p.numel() for p in model.parameters())
    n_real = sum(p.numel() * (2 if p.is_complex() else 1) for p in model.parameters())
    cmd = f"{sys.executable} scripts/sfno-parity.py" + "".join(f" {a}" for a in sys.argv[1:])
    doc = dict(
        format=FORMAT,
        description="torch-harmonics 0.9.3 example SFNO, tiny, float64; see Tests/SFNOTests/parity/README.md",
        generator=dict(script="scripts/sfno-parity.py", command=cmd, seed=args.seed, torch_version=torch.__version__,
                       torch_harmonics_version=torch_harmonics.__version__, numpy_version=np.__version__, python=platform.python_version(),
                       float64_patch="complex weights -> complex128; SHT tables rebuilt in float64; SpectralConvS2.forward without x.float()"),
        model=dict(cls="torch_harmonics.examples.models.SphericalFourierNeuralOperator", kwargs=dict(kwargs, img_size=list(kwargs["img_size"])),
                   perturbed_after_init=dict(names=perturbed, rule={k: dict(mean=v[0], std=v[1]) for k, v in PERTURB.items()}),
                   param_count_numel=n_numel, param_count_real=n_real),
        derived=dict(h=model.h, w=model.w, K=model.trans.lmax, transforms=transforms, blocks=blocks),
        grids=grids,
        layout=("values are flattened in C (row-major) order of stored_shape; complex tensors have "
                "stored_shape = shape + [2] with [..., 0] = real, [..., 1] = imag; grads of complex "
                "parameters are dL/dRe + i dL/dIm in the same layout"),
        state_dict=[tensor_record(k, v) for k, v in model.state_dict().items()],
        input=tensor_record("input", x),
        output=tensor_record("output", out),
        loss=dict(definition="L = sum(output * loss_weights)", value=float(loss), loss_weights=tensor_record("loss_weights", R)),
        grad_input=tensor_record("grad_input", xg.grad),
        grad_params=[tensor_record(k, named[k].grad) for k in model.state_dict().keys()],
        intermediates=dict(note="batch element 0 only (leading batch axis removed); subset, see README",
                           tensors=[tensor_record(k, inter[k][0]) for k in INTERMEDIATES if k in inter]),
        checks=checks,
    )
    body = json.dumps(doc, separators=(",", ":"), allow_nan=False)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(body + "\n")

    # ---- read back and summarise
    with open(args.out) as f:
        back = json.load(f)
    assert back["output"]["values"] == doc["output"]["values"]
    size = os.path.getsize(args.out)
    with open(args.out, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    print(f"[sfno-parity] wrote {args.out}: {size:,} bytes, sha256 {digest}")
    print(f"  torch {torch.__version__}, torch-harmonics {torch_harmonics.__version__}; params {n_numel} numel = {n_real} real scalars")
    print(f"  grids: input {H}x{W} {kwargs['grid']}, internal {model.h}x{model.w} {kwargs['grid_internal']}, K = {model.trans.lmax}")
    for t in transforms:
        print(f"  {t['module']:10s} {t['type']:15s} nlat={t['nlat']:3d} nlon={t['nlon']:3d} lmax={t['lmax']} mmax={t['mmax']} {t['grid']}")
    print(f"  loss L = {float(loss):.17g}")
    print(f"  numpy re-implementation vs fixture: max |diff| = {checks['numpy_reimplementation_max_abs_diff_output']:.3e}")
    print(f"  stock fp32 torch-harmonics vs fixture: max |diff| = {d.max():.3e} (max |out| {out.abs().max():.3f})")
    print(f"  finite differences (h = {eps}) vs autograd: max |diff| = {checks['finite_differences_max_abs_diff']:.3e}, "
          f"max rel {checks['finite_differences_max_rel_diff']:.3e}")
    print(f"  Im W[:,:,l=0] gradient max |.| per block: {w_imag_l0}")
    for key, gr in grids.items():
        print(f"  grid {key}: sum w = {gr['sum_quad_weights']:.15f}, vs closed form {gr['max_abs_diff_vs_closed_form']}")
    if size >= 1_000_000:
        sys.exit("fixture is >= 1 MB")


if __name__ == "__main__":
    main()
