#!/usr/bin/env python3
"""Re-implements docs/makani-sfno.md §1.2 and §2.2 with numpy + torch-harmonics only (weights from
hens-fork/model.safetensors) and compares with the fixture references. Usage:
  python scripts/makani-spec-check.py [Tests/ImportTests/Fixtures/makani]"""
import numpy as np, torch, json, datetime as dt, netCDF4, math
import torch_harmonics as th
torch.set_num_threads(1)
import sys, os; os.chdir(sys.argv[1] if len(sys.argv) > 1 else 'Tests/ImportTests/Fixtures/makani'); pkg='hens-fork'; cfg=json.load(open(f'{pkg}/config.json'))
ni=np.load(f'{pkg}/reference/network_input_step1.npy'); no=np.load(f'{pkg}/reference/network_output_step1.npy')
x=np.load('input.npy'); m=np.load(f'{pkg}/global_means.npy'); s=np.load(f'{pkg}/global_stds.npy')
nlat,nlon=33,64; C=8
lat=np.asarray(cfg['lat'],np.float32); lon=np.asarray(cfg['lon'],np.float32)
# zenith per spec (float32)
f32=np.float32
def cosz(t, lon_deg, lat_deg):
    d=f32((t-dt.datetime(2000,1,1,12))/dt.timedelta(days=1)); T=d/f32(36525.0)
    th_=f32(67310.54841 + T*(876600*3600 + 8640184.812866 + T*(0.093104 - T*6.2e-5)))
    gmst=f32(np.deg2rad(th_/240.0)%(2*np.pi))
    M=np.deg2rad(357.52910+35999.05030*T-0.0001559*T*T-0.00000048*T**3,dtype=f32)
    L0=np.deg2rad(280.46645+36000.76983*T+0.0003032*T**2,dtype=f32)
    dl=np.deg2rad((1.9146-0.004817*T-0.000014*T**2)*np.sin(M)+(0.019993-0.000101*T)*np.sin(2*M)+0.00029*np.sin(3*M),dtype=f32)
    lam=L0+dl
    eps=np.deg2rad(23+26/60+21.406/3600-(46.836769*T-0.0001831*T**2+0.0020034*T**3-0.576e-6*T**4-4.34e-8*T**5)/3600,dtype=f32)
    xx=np.cos(lam); y=np.cos(eps)*np.sin(lam); z=np.sin(eps)*np.sin(lam); r=np.sqrt(1-z*z)
    dec=np.arctan2(z,r); ra=f32(2*np.arctan2(y,xx+r))
    H=gmst+np.deg2rad(lon_deg,dtype=f32)-ra; phi=np.deg2rad(lat_deg,dtype=f32)
    return np.sin(phi)*np.sin(dec)+np.cos(phi)*np.cos(dec)*np.cos(H)
LON,LAT=np.meshgrid(lon,lat)
zen=cosz(dt.datetime(2023,6,15),LON,LAT)
phi=np.deg2rad(lat).astype(f32); lam=np.deg2rad(lon).astype(f32)
grid=[]
for f in range(1,17):
    grid.append(np.repeat(np.sin(f32(f)*phi)[:,None],nlon,1)); grid.append(np.repeat(np.sin(f32(f)*lam)[None,:],nlat,0))
Z=netCDF4.Dataset(f'{pkg}/orography.nc').variables['Z'][0].data.astype(f32); o=(Z-Z.min())/(Z.max()-Z.min()); o=(o-o.mean())/(o.std(ddof=1)+1e-6)
L=netCDF4.Dataset(f'{pkg}/land_mask.nc').variables['LSM'][0].data; cls=L.astype(np.int64)
mine=np.concatenate([((x-m)/s)[0], zen[None], np.stack(grid), o[None], (cls==0)[None], (cls==1)[None]],0)[None].astype(f32)
d=np.abs(mine-ni).max(axis=(0,2,3)); print('aux check: max abs per group: state',d[:8].max(),'zen',d[8],'grid',d[9:41].max(),'oro',d[41],'lsm',d[42:].max())
# network per spec
from safetensors.torch import load_file
sd={k.replace('model.',''):(torch.view_as_complex(v) if 'filter.filter' in k else v) for k,v in load_file(f'{pkg}/model.safetensors').items()}
W=lambda k: sd[k][:,:,0,0] if sd[k].dim()==4 else sd[k]
gelu=lambda t: 0.5*t*(1+torch.erf(t/math.sqrt(2)))
def pw(w,t,b=None):
    y=torch.einsum('oi,bihw->bohw',w,t); return y if b is None else y+b[None,:,None,None]
def inorm(t,g,b):
    mu=t.mean((-2,-1),keepdim=True); var=((t-mu)**2).mean((-2,-1),keepdim=True); return (t-mu)/torch.sqrt(var+1e-6)*g[None,:,None,None]+b[None,:,None,None]
h,w=nlat//2,nlon//2; lmax=h; mmax=min(h,w//2+1)
td=th.RealSHT(nlat,nlon,lmax,mmax,grid='equiangular'); iu=th.InverseRealSHT(nlat,nlon,lmax,mmax,grid='equiangular')
tr=th.RealSHT(h,w,lmax,mmax,grid='legendre-gauss'); it=th.InverseRealSHT(h,w,lmax,mmax,grid='legendre-gauss')
X=torch.from_numpy(ni); R=X
H=pw(W('encoder.fwd.2.weight'),gelu(pw(W('encoder.fwd.0.weight'),X,sd['encoder.fwd.0.bias'])))
nL=2
for i in range(nL):
    fw=td if i==0 else tr; iv=iu if i==nL-1 else it
    A=fw(H); Bc=torch.einsum('bilm,iol->bolm',A,sd[f'blocks.{i}.filter.filter.weight']); Y=iv(Bc)
    Rb=iv(A) if (fw.nlat!=iv.nlat or fw.nlon!=iv.nlon or fw.grid!=iv.grid) else H
    p=f'blocks.{i}.'
    Y=gelu(inorm(Y,sd[p+'norm0.weight'],sd[p+'norm0.bias']))
    Y=pw(W(p+'mlp.fwd.3.weight'),gelu(pw(W(p+'mlp.fwd.0.weight'),Y,sd[p+'mlp.fwd.0.bias'])),sd[p+'mlp.fwd.3.bias'])
    H=inorm(Y,sd[p+'norm1.weight'],sd[p+'norm1.bias'])+pw(W(p+'outer_skip.weight'),Rb)
O=pw(W('decoder.fwd.2.weight'),gelu(pw(W('decoder.fwd.0.weight'),H,sd['decoder.fwd.0.bias'])))+pw(W('residual_transform.weight'),R)
d=(O.numpy()-no); print('network check: max abs', np.abs(d).max(), 'max |ref|', np.abs(no).max())
o1=np.load(f'{pkg}/reference/output_step1.npy'); print('denorm check', np.abs(no*s+m-o1).max())
