"""An independent PyTorch implementation of the GET region models, written
from section 5 of ../shared/design/ARCHITECTURE.md and the reference's
classes (GET-Foundation/get_model, get_model/model/model.py), not from the
C++ code, used as the numerical oracle for worker/model/get_model and as
the checkpoint contract: each class here has exactly the state-dict keys
and shapes of the reference class of the same name.
  GETRegionPretrain      mask_token, cls_token, region_embed.embed,
                         encoder.blocks.N.{norm1, attn.qkv, attn.q_bias,
                         attn.v_bias, attn.proj, norm2, mlp.fc1, mlp.fc2},
                         encoder.norm, head_mask
  GETRegionFinetune      the same without mask_token, head_mask; with
                         head_exp.head (2 outputs, softplus)
  GETRegionFinetuneATAC  head_exp.head with 1 output (softplus)
  MLPRegionFinetune      linear1 F->512, linear2 512->256, linear3 256->2
GETReference(task=...) makes the first three."""
import math

import torch
from torch import nn
import torch.nn.functional as F


class DropPath(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        keep = 1 - self.p
        mask = x.new_empty((x.shape[0],) + (1,) * (x.dim() - 1)).bernoulli_(keep)
        return x * mask / keep


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, 3 * dim, bias=False)
        self.q_bias = nn.Parameter(torch.zeros(dim))
        self.v_bias = nn.Parameter(torch.zeros(dim))
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, d = x.shape
        bias = torch.cat([self.q_bias, torch.zeros_like(self.v_bias, requires_grad=False), self.v_bias])
        qkv = F.linear(x, self.qkv.weight, bias).reshape(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = (q * self.scale) @ k.transpose(-2, -1)  # explicit softmax attention, not the fused kernel
        attn = attn.softmax(dim=-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(b, n, d))


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))


class Block(nn.Module):
    def __init__(self, dim, heads, mlp_ratio, drop_path):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, dim * mlp_ratio)
        self.drop_path = DropPath(drop_path)

    def forward(self, x):
        x = x + self.drop_path(self.attn(self.norm1(x)))
        return x + self.drop_path(self.mlp(self.norm2(x)))


class Encoder(nn.Module):
    def __init__(self, dim, depth, heads, mlp_ratio, drop_path_max):
        super().__init__()
        rates = torch.linspace(0, drop_path_max, depth).tolist()
        self.blocks = nn.ModuleList(Block(dim, heads, mlp_ratio, r) for r in rates)
        self.norm = nn.LayerNorm(dim, eps=1e-6)

    def forward(self, x):
        for blk in self.blocks:
            x = blk(x)
        return self.norm(x)


class RegionEmbed(nn.Module):
    def __init__(self, features, dim):
        super().__init__()
        self.embed = nn.Linear(features, dim)

    def forward(self, x):
        return self.embed(x)


class ExpressionHead(nn.Module):
    def __init__(self, dim, outputs=2):
        super().__init__()
        self.head = nn.Linear(dim, outputs)

    def forward(self, x):
        return F.softplus(self.head(x))


TASKS = ("pretrain", "expression", "atac")


class GETReference(nn.Module):
    """The reference's region models by task: pretrain (GETRegionPretrain),
    expression (GETRegionFinetune), atac (GETRegionFinetuneATAC)."""

    def __init__(self, features=283, dim=768, depth=12, heads=12, mlp_ratio=4, drop_path_max=0.1,
                 task="expression"):
        super().__init__()
        assert task in TASKS, task
        self.task = task
        if task == "pretrain":
            self.mask_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.region_embed = RegionEmbed(features, dim)
        self.encoder = Encoder(dim, depth, heads, mlp_ratio, drop_path_max)
        if task == "pretrain":
            self.head_mask = nn.Linear(dim, features)
        else:
            self.head_exp = ExpressionHead(dim, 2 if task == "expression" else 1)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.LayerNorm):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        if task == "pretrain":
            nn.init.trunc_normal_(self.mask_token, std=0.02)

    def forward(self, x, mask=None):
        if self.task == "atac":
            x = x.clone()
            x[:, :, -1] = 1  # the reference's GETRegionFinetuneATAC.get_input
        h = self.region_embed(x)
        if mask is not None:
            w = mask.unsqueeze(-1).to(h.dtype)
            h = h * (1 - w) + self.mask_token.expand_as(h) * w
        h = torch.cat([self.cls_token.expand(h.shape[0], -1, -1), h], dim=1)
        h = self.encoder(h)[:, 1:]
        if self.task == "pretrain":
            return {"hidden": h, "out": self.head_mask(h)}
        out = self.head_exp(h)
        return {"hidden": h, "out": out if self.task == "expression" else out.squeeze(-1),
                "expression": out}


def GETRegionPretrain(*args, **kwargs):
    return GETReference(*args, task="pretrain", **kwargs)


def GETRegionFinetune(*args, **kwargs):
    return GETReference(*args, task="expression", **kwargs)


def GETRegionFinetuneATAC(*args, **kwargs):
    return GETReference(*args, task="atac", **kwargs)


class MLPRegionFinetune(nn.Module):
    def __init__(self, features=283, outputs=2):
        super().__init__()
        self.linear1 = nn.Linear(features, 512)
        self.linear2 = nn.Linear(512, 256)
        self.linear3 = nn.Linear(256, outputs)

    def forward(self, x):
        return F.softplus(self.linear3(F.relu(self.linear2(F.relu(self.linear1(x))))))


def best_of_run(run_dir, dim=128, depth=4, heads=4, task="expression"):
    """The best checkpoint of a getps run directory as a GETReference (the
    small model's shape by default), in eval mode."""
    import os
    with open(os.path.join(run_dir, "checkpoints", "best")) as f:
        best = f.read().strip()
    state = torch.load(os.path.join(run_dir, "checkpoints", best, "model.pt"))
    features = state["region_embed.embed.weight"].shape[1]
    model = GETReference(features, dim=dim, depth=depth, heads=heads, task=task)
    model.load_state_dict(state, strict=False)
    return model.eval()
