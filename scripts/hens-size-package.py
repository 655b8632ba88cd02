#!/usr/bin/env python3
"""Write a HENS-size SFNO package with random weights, to measure `hens import` at full size.

The package has the layout of a released HENS checkpoint exported to safetensors (the HENS
fork's spectral layout [in, out, l], complex values as float32 with a trailing [re, im] axis):
config.json (HENS' architecture, 74 channels, 721 x 1440), global_means.npy, global_stds.npy,
orography.nc, land_mask.nc, model.safetensors (about 8.9 GB) and its sidecar. The weights are
random: the package measures memory and time, not skill. Tensors are written one at a time,
so the script itself needs about one spectral tensor (1.1 GB) of memory.

    python3 scripts/hens-size-package.py --out /tmp/hens721/package   # numpy + netCDF4
"""
import argparse, json, os, struct
import numpy as np

CHANNELS = ["u10m", "v10m", "u100m", "v100m", "t2m", "sp", "msl", "tcwv", "d2m"] + [
    f"{q}{p}" for q in "uvztq" for p in (50, 100, 150, 200, 250, 300, 400, 500, 600, 700, 850, 925, 1000)]
NLAT, NLON, E, LAYERS, F = 721, 1440, 620, 8, 16


def tensors():
    c = len(CHANNELS)
    cin = c + 1 + 2 * F + 1 + 2
    lmax = NLAT // 2
    yield "model.encoder.fwd.0.weight", (E, cin, 1, 1)
    yield "model.encoder.fwd.0.bias", (E,)
    yield "model.encoder.fwd.2.weight", (E, E, 1, 1)
    for i in range(LAYERS):
        b = f"model.blocks.{i}"
        yield f"{b}.norm0.weight", (E,)
        yield f"{b}.norm0.bias", (E,)
        yield f"{b}.filter.filter.weight", (E, E, lmax, 2)
        yield f"{b}.norm1.weight", (E,)
        yield f"{b}.norm1.bias", (E,)
        yield f"{b}.outer_skip.weight", (E, E, 1, 1)
        yield f"{b}.mlp.fwd.0.weight", (2 * E, E, 1, 1)
        yield f"{b}.mlp.fwd.0.bias", (2 * E,)
        yield f"{b}.mlp.fwd.3.weight", (E, 2 * E, 1, 1)
        yield f"{b}.mlp.fwd.3.bias", (E,)
    yield "model.decoder.fwd.0.weight", (E, E, 1, 1)
    yield "model.decoder.fwd.0.bias", (E,)
    yield "model.decoder.fwd.2.weight", (c, E, 1, 1)
    yield "model.residual_transform.weight", (c, cin, 1, 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(20)
    lat = [90 - 180 * i / (NLAT - 1) for i in range(NLAT)]
    lon = [360 * j / NLON for j in range(NLON)]
    config = dict(nettype="SFNO", filter_type="linear", operator_type="dhconv", model_grid_type="equiangular",
                  data_grid_type="equiangular", sht_grid_type="legendre-gauss", img_shape_x=NLAT, img_shape_y=NLON,
                  scale_factor=2, embed_dim=E, num_layers=LAYERS, mlp_ratio=2, encoder_ratio=1, decoder_ratio=1,
                  hard_thresholding_fraction=1.0, big_skip=True, normalization_layer="instance_norm",
                  activation_function="gelu", pos_embed="none", use_mlp=True, normalization="zscore",
                  channel_names=CHANNELS, in_channels=list(range(len(CHANNELS))), out_channels=list(range(len(CHANNELS))),
                  lat=lat, lon=lon, add_zenith=True, add_grid=True, gridtype="sinusoidal", grid_num_frequencies=F,
                  add_orography=True, add_landmask=True, N_in_channels=len(CHANNELS) + 36, dt=1, dhours=6)
    json.dump(config, open(f"{args.out}/config.json", "w"))
    for name, values in (("global_means", rng.normal(0, 1, len(CHANNELS))), ("global_stds", rng.uniform(1, 2, len(CHANNELS)))):
        np.save(f"{args.out}/{name}.npy", values.astype(np.float32).reshape(1, -1, 1, 1))
    import netCDF4
    for name, var, field in (("orography", "Z", rng.uniform(0, 5e4, (1, NLAT, NLON))),
                             ("land_mask", "LSM", (rng.uniform(0, 1, (1, NLAT, NLON)) > 0.7).astype(float))):
        with netCDF4.Dataset(f"{args.out}/{name}.nc", "w") as nc:
            nc.createDimension("time", 1); nc.createDimension("latitude", NLAT); nc.createDimension("longitude", NLON)
            nc.createVariable("latitude", "f8", ("latitude",))[:] = lat
            nc.createVariable("longitude", "f8", ("longitude",))[:] = lon
            nc.createVariable(var, "f4", ("time", "latitude", "longitude"))[:] = field
    header, offset, complex_tensors = {}, 0, {}
    for name, shape in tensors():
        size = int(np.prod(shape)) * 4
        header[name] = {"dtype": "F32", "shape": list(shape), "data_offsets": [offset, offset + size]}
        offset += size
        if name.endswith("filter.filter.weight"):
            complex_tensors[name] = {"dtype": "complex64", "shape": list(shape[:-1])}
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(f"{args.out}/model.safetensors", "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for name, shape in tensors():
            scale = (2.0 / shape[1]) ** 0.5 if len(shape) == 4 and shape[-1] != 2 else 0.02
            f.write((rng.standard_normal(shape, dtype=np.float32) * np.float32(scale)).tobytes())
    json.dump({"config": "config.json", "complex_tensors": complex_tensors,
               "layout": "HENS fork: spectral weights [in, out, lmax]"}, open(f"{args.out}/model.safetensors.json", "w"))


if __name__ == "__main__":
    main()
