"""The gan.denoise generator in PyTorch eager mode (Debian python3-torch 1.13), layer for layer
the same as nodes/gan/lib/generator.cpp and attention.cpp, for the inference benchmark.

  /usr/bin/python3 bench/gan/generator_eager.py --width 8 --threads 1 --size 256 --repeat 20

Prints the parameter count (compare with bench_gan's) and milliseconds per slice.
"""
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def lrelu(x):
    return F.leaky_relu(x, 0.2)


class ConvNormAct(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1)
        self.norm = nn.InstanceNorm2d(cout, affine=True)

    def forward(self, x):
        return lrelu(self.norm(self.conv(x)))


class ChannelAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        h = max(c // 4, 2)
        self.squeeze = nn.Conv2d(c, h, 1)
        self.excite = nn.Conv2d(h, c, 1)

    def forward(self, x):
        avg = x.mean((2, 3), keepdim=True)
        mx = x.amax((2, 3), keepdim=True)
        return torch.sigmoid(self.excite(F.relu(self.squeeze(avg))) + self.excite(F.relu(self.squeeze(mx))))


class SpatialAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 1, 7, padding=3)

    def forward(self, x):
        return torch.sigmoid(self.conv(torch.cat([x.mean(1, keepdim=True), x.amax(1, keepdim=True)], 1)))


class ResidualAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.body = ConvNormAct(c, c)
        self.out = nn.Conv2d(c, c, 3, padding=1)
        self.channel = ChannelAttention(c)
        self.spatial = SpatialAttention()

    def forward(self, x):
        r = self.out(self.body(x))
        r = r * self.channel(r)
        r = r * self.spatial(r)
        return x + r


class DenseLevel(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.first = ConvNormAct(cin, cout)
        self.second = ConvNormAct(cin + cout, cout)
        self.fuse = nn.Conv2d(cin + 2 * cout, cout, 1)
        self.attention = ResidualAttention(cout)

    def forward(self, x):
        f1 = self.first(x)
        f2 = self.second(torch.cat([x, f1], 1))
        return self.attention(self.fuse(torch.cat([x, f1, f2], 1)))


class Generator(nn.Module):
    def __init__(self, width=8, levels=5):
        super().__init__()
        self.width, self.levels = width, levels
        ch = self.channels
        self.enc = nn.ModuleList([DenseLevel(1 if l == 0 else ch(l - 1), ch(l)) for l in range(levels + 1)])
        self.up = nn.ModuleList([nn.Conv2d(ch(l + 1), ch(l), 3, padding=1) for l in range(levels)])
        self.agg = nn.ModuleList([nn.ModuleList([nn.Conv2d(ch(k), width, 1) for k in range(l)]) for l in range(levels)])
        self.dec = nn.ModuleList([DenseLevel(2 * ch(l) + l * width, ch(l)) for l in range(levels)])
        self.head = nn.Conv2d(ch(0), 1, 1)

    def channels(self, level):
        return self.width << min(level, 3)

    def forward(self, x):
        m = 1 << self.levels
        h, w = x.shape[2], x.shape[3]
        ph, pw = (m - h % m) % m, (m - w % m) % m
        xp = F.pad(x, (0, pw, 0, ph), mode="replicate") if ph or pw else x
        enc, t = [], xp
        for l in range(self.levels + 1):
            if l > 0:
                t = F.max_pool2d(t, 2)
            t = self.enc[l](t)
            enc.append(t)
        d = enc[self.levels]
        for l in range(self.levels - 1, -1, -1):
            skip = enc[l]
            up = F.interpolate(d, size=skip.shape[2:], mode="nearest")
            parts = [lrelu(self.up[l](up)), skip]
            for k in range(l):
                parts.append(self.agg[l][k](F.max_pool2d(enc[k], 1 << (l - k))))
            d = self.dec[l](torch.cat(parts, 1))
        out = torch.tanh(self.head(d) + torch.atanh(xp.clamp(-1 + 1e-3, 1 - 1e-3)))
        return out[:, :, :h, :w]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--width", type=int, default=8)
    ap.add_argument("--levels", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=10)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    g = Generator(a.width, a.levels).eval()
    x = torch.rand(1, 1, a.size, a.size) * 2 - 1
    with torch.no_grad():
        for _ in range(a.warmup):
            g(x)
        t0 = time.perf_counter()
        for _ in range(a.repeat):
            g(x)
        dt = (time.perf_counter() - t0) / a.repeat
    params = sum(p.numel() for p in g.parameters())
    print(f"pytorch_eager width={a.width} threads={a.threads} size={a.size} params={params} ms_per_slice={dt * 1e3:.2f}")


if __name__ == "__main__":
    main()
