#!/usr/bin/env python3
"""Export a text model's token vectors and self-attention for PL-Distill's PAD loss.

Writes the folder that PLDistill.Distillation.Data.TextTeacher.TextTeacherOutputs reads
(format "pldistill-text-outputs", version 1):

  OUT/manifest.jsonl      line 1, the header:
                            {"format": "pldistill-text-outputs", "version": 1, "model": "bert-base-uncased",
                             "feature_layer": 12, "width": 768, "layers": 12, "heads": 12}
                          then one line per utterance:
                            {"id": ..., "text": ..., "tokens": [...], "features": "features/000000.npy",
                             "attention": "attention/000000.npy"}
  OUT/features/N.npy      (T, D) float16 or float32: row t is token t's vector, T = len(tokens)
  OUT/attention/N.npy     (L, H, T, T), same dtype: [l, h, i, :] is query i's softmax over the keys

Usage (needs torch and transformers, and the model in the local cache or reachable):
  python3 tools/export_text_outputs.py --model bert-base-uncased --input transcripts.tsv --out OUT \
      [--layer -1] [--dtype float16] [--drop-special] [--no-attention]
  transcripts.tsv holds one "id<TAB>text" per line; ids should match the audio clips' ids.

  python3 tools/export_text_outputs.py --selftest OUT      (numpy only: a tiny random folder)
"""
import argparse
import json
import os
import sys

import numpy as np

FORMAT, VERSION = "pldistill-text-outputs", 1


class TextOutputsWriter:
    """Writes the folder with numpy only; call add() per utterance, then close()."""

    def __init__(self, out, width, layers=None, heads=None, model=None, feature_layer=None, dtype="float16"):
        if (layers is None) != (heads is None):
            raise ValueError("give both layers and heads, or neither")
        self.out, self.width, self.layers, self.heads = out, width, layers, heads
        self.dtype = np.dtype(dtype).newbyteorder("<")  # the format is little-endian on every machine
        os.makedirs(os.path.join(out, "features"), exist_ok=True)
        if layers is not None:
            os.makedirs(os.path.join(out, "attention"), exist_ok=True)
        self.manifest = open(os.path.join(out, "manifest.jsonl"), "w", encoding="utf-8")
        header = {"format": FORMAT, "version": VERSION, "model": model, "feature_layer": feature_layer, "width": width}
        if layers is not None:
            header.update(layers=layers, heads=heads)
        self._line({k: v for k, v in header.items() if v is not None})
        self.count = 0

    def add(self, utt_id, text, tokens, features, attention=None):
        """features: (T, D) with T = len(tokens); attention: (L, H, T, T), rows summing to 1 (or None without layers)."""
        t = len(tokens)
        if features.shape != (t, self.width):
            raise ValueError(f"{utt_id}: features {features.shape} must be ({t}, {self.width})")
        if (attention is None) != (self.layers is None):
            raise ValueError(f"{utt_id}: attention must be given exactly when the header has layers and heads")
        if attention is not None and attention.shape != (self.layers, self.heads, t, t):
            raise ValueError(f"{utt_id}: attention {attention.shape} must be ({self.layers}, {self.heads}, {t}, {t})")
        name = f"{self.count:06d}.npy"  # ids may hold any character; file names stay plain
        entry = {"id": utt_id, "text": text, "tokens": list(tokens), "features": f"features/{name}"}
        np.save(os.path.join(self.out, "features", name), np.ascontiguousarray(features, dtype=self.dtype))
        if attention is not None:
            np.save(os.path.join(self.out, "attention", name), np.ascontiguousarray(attention, dtype=self.dtype))
            entry["attention"] = f"attention/{name}"
        self._line(entry)
        self.count += 1

    def close(self):
        self.manifest.close()

    def _line(self, obj):
        self.manifest.write(json.dumps(obj, ensure_ascii=False) + "\n")


def export_transformers(args):
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(args.model)
    # eager attention: the fused kernels (sdpa, flash) return no attention maps
    model = AutoModel.from_pretrained(args.model, attn_implementation="eager").eval()
    config = model.config
    layers = None if args.no_attention else config.num_hidden_layers
    heads = None if args.no_attention else config.num_attention_heads
    states = config.num_hidden_layers + 1  # hidden_states[0] is the embeddings
    if not -states <= args.layer < states:
        sys.exit(f"--layer {args.layer} is outside -{states} .. {states - 1}")
    feature_layer = args.layer % states
    writer = TextOutputsWriter(args.out, config.hidden_size, layers, heads, args.model, feature_layer, args.dtype)
    with open(args.input, encoding="utf-8") as lines, torch.no_grad():
        for line in lines:
            if not line.strip():
                continue
            utt_id, text = line.rstrip("\n").split("\t", 1)
            encoded = tokenizer(text, return_tensors="pt", truncation=True)
            out = model(**encoded, output_hidden_states=True, output_attentions=not args.no_attention)
            ids = encoded["input_ids"][0].tolist()
            tokens = tokenizer.convert_ids_to_tokens(ids)
            features = out.hidden_states[feature_layer][0].float().numpy()  # (T, D)
            attention = None if args.no_attention else torch.stack(out.attentions)[:, 0].float().numpy()  # (L, H, T, T)
            if args.drop_special:
                keep = ~np.array(tokenizer.get_special_tokens_mask(ids, already_has_special_tokens=True), dtype=bool)
                tokens, features = [tok for tok, k in zip(tokens, keep) if k], features[keep]
                if attention is not None:
                    attention = attention[:, :, keep][:, :, :, keep]
                    attention = attention / attention.sum(-1, keepdims=True)  # each query's weights over the kept keys
            writer.add(utt_id, text, tokens, features, attention)
    writer.close()
    print(f"wrote {writer.count} utterances to {args.out}")


def selftest(out):
    """A tiny random folder: width 8, 2 layers of 3 heads, float16; prints checksums to compare with a reader."""
    rng = np.random.default_rng(7)
    writer = TextOutputsWriter(out, width=8, layers=2, heads=3, model="random", feature_layer=2)
    for utt_id, text in [("u0", "kids are talking"), ("u1", "dogs are sitting by the door"), ("u2", "hi")]:
        tokens = text.split()
        t = len(tokens)
        features = rng.standard_normal((t, 8)).astype(np.float32)
        logits = rng.standard_normal((2, 3, t, t))
        attention = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
        writer.add(utt_id, text, tokens, features, attention)
        # sums of the stored (float16) values, as a reader in float32 sees them
        stored_f = features.astype(np.float16).astype(np.float64)
        stored_a = attention.astype(np.float16).astype(np.float64)
        print(f"{utt_id} T={t} features_sum={stored_f.sum():.6f} attention_sum={stored_a.sum():.6f}")
    writer.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--selftest", metavar="OUT", help="write a tiny random folder with numpy only")
    parser.add_argument("--model", help="Hugging Face model name or path, e.g. bert-base-uncased")
    parser.add_argument("--input", help="TSV of id<TAB>text")
    parser.add_argument("--out", help="output folder")
    parser.add_argument("--layer", type=int, default=-1, help="hidden state for the features: 0 = embeddings, -1 = last layer")
    parser.add_argument("--dtype", choices=["float16", "float32"], default="float16")
    parser.add_argument("--drop-special", action="store_true", help="leave out [CLS], [SEP], ... (attention rows renormalised)")
    parser.add_argument("--no-attention", action="store_true", help="features only (PAD without priors)")
    args = parser.parse_args()
    if args.selftest:
        selftest(args.selftest)
    elif args.model and args.input and args.out:
        export_transformers(args)
    else:
        parser.error("give --selftest OUT, or --model, --input and --out")


if __name__ == "__main__":
    sys.exit(main())
