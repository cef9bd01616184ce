"""A numpy FSIM (Zhang et al. 2011, grey level), vectorised, in double precision: the second
implementation the C++ FSIM is checked against. Follows FeatureSIM.m / phasecong2.m.

Usage: fsim_reference.py A.raw B.raw NY NX DATA_RANGE   (float64 raw, x fastest) -> prints FSIM
"""
import sys

import numpy as np
from scipy.signal import convolve2d


def axis(n):
    # phasecong2's normalised frequencies, then ifftshift (zero frequency first).
    r = np.arange(-(n - 1) / 2, (n - 1) / 2 + 1) / (n - 1) if n % 2 else np.arange(-n / 2, n / 2) / n
    return np.fft.ifftshift(r)


def phase_congruency(im, nscale=4, norient=4, min_wl=6.0, mult=2.0, sigma_on_f=0.55, dtheta_on_sigma=1.2, k=2.0, eps=1e-4):
    rows, cols = im.shape
    u, v = np.meshgrid(axis(cols), axis(rows))
    radius = np.hypot(u, v)
    theta = np.arctan2(-v, u)
    lowpass = 1.0 / (1.0 + (radius / 0.45) ** 30)
    radius[0, 0] = 1.0
    gabors = []
    for s in range(nscale):
        g = np.exp(-np.log(radius * min_wl * mult**s) ** 2 / (2 * np.log(sigma_on_f) ** 2)) * lowpass
        g[0, 0] = 0.0
        gabors.append(g)
    spectrum = np.fft.fft2(im)
    theta_sigma = np.pi / norient / dtheta_on_sigma
    energy_all = np.zeros(im.shape)
    an_all = np.zeros(im.shape)
    for o in range(norient):
        angle = o * np.pi / norient
        dtheta = np.abs(np.angle(np.exp(1j * (theta - angle))))
        spread = np.exp(-dtheta**2 / (2 * theta_sigma**2))
        filters = np.array([g * spread for g in gabors])
        eo = np.fft.ifft2(spectrum[None] * filters, axes=(1, 2))
        spatial = np.real(np.fft.ifft2(filters, axes=(1, 2))) * np.sqrt(rows * cols)
        amp = np.abs(eo)
        sum_e, sum_o = eo.real.sum(0), eo.imag.sum(0)
        norm = np.hypot(sum_e, sum_o) + eps
        me, mo = sum_e / norm, sum_o / norm
        energy = (eo.real * me + eo.imag * mo - np.abs(eo.real * mo - eo.imag * me)).sum(0)
        noise_power = -np.median(amp[0] ** 2) / np.log(0.5) / (filters[0] ** 2).sum()
        s_an2 = (spatial**2).sum()
        total = spatial.sum(0)
        s_aiaj = ((total**2).sum() - s_an2) / 2  # sum over pairs i<j of <f_i, f_j>
        tau = np.sqrt((2 * noise_power * s_an2 + 4 * noise_power * s_aiaj) / 2)
        threshold = (tau * np.sqrt(np.pi / 2) + k * np.sqrt((2 - np.pi / 2) * tau**2)) / 1.7
        energy_all += np.maximum(energy - threshold, 0)
        an_all += amp.sum(0)
    return energy_all / an_all


def conv_same(a, k):
    # MATLAB's conv2(a, k, 'same'): the full convolution from index floor(size/2). scipy's 'same'
    # starts at (size - 1)//2 instead, which differs for even kernels (FSIM's 2x2 average).
    r, c = k.shape[0] // 2, k.shape[1] // 2
    return convolve2d(a, k, mode="full")[r : r + a.shape[0], c : c + a.shape[1]]


def fsim(a, b, data_range):
    a, b = a * 255.0 / data_range, b * 255.0 / data_range
    f = max(1, int(np.floor(min(a.shape) / 256 + 0.5)))
    if f > 1:
        kernel = np.ones((f, f)) / f**2
        a = conv_same(a, kernel)[::f, ::f]
        b = conv_same(b, kernel)[::f, ::f]
    pc1, pc2 = phase_congruency(a), phase_congruency(b)
    dx = np.array([[3, 0, -3], [10, 0, -10], [3, 0, -3]]) / 16
    g1 = np.hypot(conv_same(a, dx), conv_same(a, dx.T))
    g2 = np.hypot(conv_same(b, dx), conv_same(b, dx.T))
    s_pc = (2 * pc1 * pc2 + 0.85) / (pc1**2 + pc2**2 + 0.85)
    s_g = (2 * g1 * g2 + 160) / (g1**2 + g2**2 + 160)
    pcm = np.maximum(pc1, pc2)
    return (s_pc * s_g * pcm).sum() / pcm.sum()


if __name__ == "__main__":
    ny, nx = int(sys.argv[3]), int(sys.argv[4])
    a = np.fromfile(sys.argv[1], dtype=np.float64).reshape(ny, nx)
    b = np.fromfile(sys.argv[2], dtype=np.float64).reshape(ny, nx)
    print(repr(fsim(a, b, float(sys.argv[5]))))
