"""Torn reads of the .npy shape while a flusher rewrites it: enumerate byte mixes.

numpy reads the header with one read(2) into its buffer while another process may be
rewriting the shape digits in the mapped page; the copy may see any byte from the old or the
new text (byte-granular tearing). Every candidate text is parsed by numpy's own header reader
(numpy.lib.format.read_array_header_1_0). A mix is SAFE if numpy refuses it (ValueError) or
returns a shape <= the new value (rows the flusher already made durable); UNSAFE if it parses
to more rows than the new value.

Schemes:
  inplace   one field, right-aligned, space-padded: '(      1234,)'   (numpy's own growth padding)
  twoslot   '(' slot0 ' ' slot1 ',)': value k is written into slot k%2, the other slot blanked
            in the same rewrite; a mix with digits in both slots is two numbers without a comma.

Models:
  T1  one rewrite old -> new, each byte independently old or new (exhaustive over all 2^k mixes
      of the k differing bytes).
  T2a several rewrites v0 < v1 < ... during one copy, bytes copied in ascending address order
      (a copy that is interrupted or faults resumes where it stopped): the byte at position p
      comes from state s(p), s non-decreasing in p (exhaustive over such assignments).
  T2b several rewrites, arbitrary per-byte mix of all states (no ordering): counterexample
      search.
"""
import io, itertools, random, sys
import numpy as np
from numpy.lib import format as fmt

SLOT = 20
EXHAUSTIVE = 12   # differing bytes up to which every mix is parsed; above: sampled
SAMPLED = 3000
DESCR = "[('t', '<u8'), ('id', '<u4'), ('value', '<f4')]"
_cache = {}


def numpy_parse(field):
    """numpy's reader on a full header whose shape text is `field`: shape[0] or None (refused)."""
    r = _cache.get(field)
    if r is not None or field in _cache:
        return r
    text = "{'descr': %s, 'fortran_order': False, 'shape': %s, }" % (DESCR, field)
    text += " " * (-(10 + len(text) + 1) % 64) + "\n"
    fp = io.BytesIO(fmt.magic(1, 0) + len(text).to_bytes(2, "little") + text.encode("latin1"))
    fmt.read_magic(fp)
    try:
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            shape, _, _ = fmt.read_array_header_1_0(fp)
        r = shape[0] if len(shape) == 1 else ("ndim", shape)
    except (ValueError, SyntaxError):
        r = None
    _cache[field] = r
    return r


def inplace(v, k):
    return "(" + str(v).rjust(SLOT) + ",)"


def twoslot(v, k):
    d, b = str(v).rjust(SLOT), " " * SLOT
    return "(" + (d + " " + b if k % 2 == 0 else b + " " + d) + ",)"


def unsafe(result, limit):
    return result is not None and (not isinstance(result, int) or result > limit)


def t1(scheme, old, new, k):
    a, b = scheme(old, k), scheme(new, k + 1)
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    bad = []
    k = len(diff)
    masks = range(1 << k) if k <= EXHAUSTIVE else (
        [random.Random(old * 7919 + new).getrandbits(k) for _ in range(SAMPLED)]
        + [1 << j for j in range(k)] + [((1 << k) - 1) ^ (1 << j) for j in range(k)])
    for mask in masks:
        s = list(a)
        for j, i in enumerate(diff):
            if mask >> j & 1:
                s[i] = b[i]
        s = "".join(s)
        r = numpy_parse(s)
        if unsafe(r, new):
            bad.append((s, r))
    return bad


def t2a(scheme, values):
    """Non-decreasing state index per byte position (ascending copy across rewrites)."""
    texts = [scheme(v, k) for k, v in enumerate(values)]
    n, m = len(texts[0]), len(texts)
    # split points: positions where the state index increases
    diff = [i for i in range(n) if len({t[i] for t in texts}) > 1]
    bad = []
    for cuts in itertools.combinations_with_replacement(range(len(diff) + 1), m - 1):
        s = []
        for i in range(n):
            # state of position i = number of cuts at or before its rank among diff positions
            rank = sum(1 for d in diff if d < i)
            st = sum(1 for c in cuts if c <= rank)
            s.append(texts[st][i])
        s = "".join(s)
        if unsafe(numpy_parse(s), values[-1]):
            bad.append((s, numpy_parse(s)))
    return bad


def t2b_search(scheme, values, tries, rng):
    texts = [scheme(v, k) for k, v in enumerate(values)]
    for _ in range(tries):
        s = "".join(texts[rng.randrange(len(texts))][i] for i in range(len(texts[0])))
        r = numpy_parse(s)
        if unsafe(r, values[-1]):
            return s, r
    return None


def pairs(rng):
    out = set()
    for old in range(0, 1100):
        for d in (1, 2, 9, 10, 11, 99, 100, 101, 999, 1000, 1001):
            out.add((old, old + d))
    for pow10 in range(1, 8):
        b = 10 ** pow10
        for old in (b - 1, b - 2, b - 10, b - 11, b // 2, b - b // 10):
            for new in (b, b + 1, b + 9, b * 2 - 1, b * 10 - 1):
                if new > old >= 0:
                    out.add((old, new))
    while len(out) < 6000:
        hi = 10 ** rng.randrange(1, 8)
        a, b = sorted(rng.sample(range(hi), 2))
        out.add((a, b))
    return sorted(out)


def main():
    rng = random.Random(12)
    ps = pairs(rng)
    print(f"T1: {len(ps)} (old, new) pairs, old < new, up to 7 digits; every mix of up to {EXHAUSTIVE} differing bytes, else {SAMPLED} random mixes + all one-byte-off mixes")
    for name, scheme in (("inplace", inplace), ("twoslot", twoslot)):
        nbad, mixes, example = 0, 0, None
        for k, (old, new) in enumerate(ps):
            a, b = scheme(old, k), scheme(new, k + 1)
            kd = sum(x != y for x, y in zip(a, b))
            mixes += (1 << kd) if kd <= EXHAUSTIVE else SAMPLED + 2 * kd
            bad = t1(scheme, old, new, k)
            if bad:
                nbad += 1
                example = example or (old, new, bad[0])
        print(f"  {name:8s}: {mixes} mixes parsed by numpy; pairs with an unsafe mix: {nbad}"
              + (f"; e.g. old {example[0]} new {example[1]}: {example[2][0].strip()!r} -> {example[2][1]}" if example else ""))
    for old, new in ((999, 1000), (99, 100), (1234, 1240)):
        for name, scheme in (("inplace", inplace), ("twoslot", twoslot)):
            bad = t1(scheme, old, new, 0)
            print(f"  {name} {old} -> {new}: unsafe mixes {len(bad)}"
                  + (f", largest {max(r for _, r in bad)} from {max(bad, key=lambda b: b[1])[0].strip()!r}" if bad else ""))
    print("T2a: ascending copy across several rewrites, twoslot, sequences of 3 and 4 values")
    seqs = [(999, 1000, 1999), (999, 1000, 1001, 2000), (9, 10, 99, 100), (5, 50, 500, 5000),
            (1999, 2000, 2001), (989, 990, 999, 1000)]
    for _ in range(200):
        seqs.append(tuple(sorted(rng.sample(range(10 ** rng.randrange(2, 5)), rng.choice((3, 4))))))
    total = 0
    for seq in seqs:
        bad = t2a(twoslot, list(seq))
        total += len(bad)
        if bad:
            print("   UNSAFE", seq, bad[0])
    print(f"  twoslot: {len(seqs)} sequences, unsafe mixes: {total}")
    print("T2b: arbitrary byte order across two rewrites of the SAME slot (v0 slot0, v1 slot1, v2 slot0)")
    hit = t2b_search(twoslot, [999, 1000, 1001], 200000, rng)
    print("  twoslot counterexample:", hit and (hit[0].strip(), hit[1]))


if __name__ == "__main__":
    main()
