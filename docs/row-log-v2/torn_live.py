"""Live torn reads: one process rewrites the shape text through a shared mapping, another runs
np.load in a loop. The writer toggles between the texts of 999 and 1000 (old/new of one
rewrite, T1), as fast as it can; any shape numpy returns that is neither 999 nor 1000 is a
torn read. For `inplace` a torn read can be a larger value (1999); for `twoslot` a torn read
can only be refused by numpy or be <= 1000.

usage: torn_live.py [seconds per scheme]
"""
import mmap, os, sys, time, tempfile, collections
import numpy as np
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torn_shape import inplace, twoslot  # noqa: E402

REC = np.dtype([("t", "<u8"), ("id", "<u4"), ("value", "<f4")])


def header(field):
    text = "{'descr': %r, 'fortran_order': False, 'shape': %s, }" % (REC.descr, field)
    text += " " * (-(10 + len(text) + 1) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text.encode("latin1")


def run(name, scheme, seconds):
    a, b = header(scheme(999, 0)), header(scheme(1000, 1))
    assert len(a) == len(b)
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    lo, hi = diff[0], diff[-1] + 1
    path = os.path.join(tempfile.mkdtemp(), "log.npy")
    with open(path, "wb") as f:
        f.write(a + np.zeros(3000, REC).tobytes())
    pid = os.fork()
    if pid == 0:
        fd = os.open(path, os.O_RDWR)
        m = mmap.mmap(fd, 4096)
        # rewrite the way the Rust writer will: whole aligned 8-byte words, one store each,
        # in ascending order (a slice assignment of 8 aligned bytes is one 8-byte store)
        words = range(lo // 8 * 8, hi, 8)
        wa = [(w, a[w:w + 8]) for w in words]
        wb = [(w, b[w:w + 8]) for w in words]
        end = time.time() + seconds
        while time.time() < end:
            for _ in range(1000):
                for w, x in wb:
                    m[w:w + 8] = x
                for w, x in wa:
                    m[w:w + 8] = x
        os._exit(0)
    seen = collections.Counter()
    end = time.time() + seconds
    while time.time() < end:
        try:
            seen[len(np.load(path))] += 1
        except ValueError:
            seen["refused"] += 1
    os.waitpid(pid, 0)
    torn = {k: v for k, v in seen.items() if k not in (999, 1000)}
    unsafe = sum(v for k, v in torn.items() if k != "refused" and k > 1000)
    print(f"{name:8s}: field bytes {lo}..{hi}, {len(range(lo // 8 * 8, hi, 8))} word stores per rewrite; {sum(seen.values())} loads; 999: {seen[999]}, 1000: {seen[1000]}; "
          f"torn: {torn or 'none'}; unsafe (> 1000): {unsafe}")


if __name__ == "__main__":
    secs = float(sys.argv[1]) if len(sys.argv) > 1 else 10
    run("inplace", inplace, secs)
    run("twoslot", twoslot, secs)
