"""Row log v2 layout facts, checked against real numpy (run with numpy 2.4.6).

1. A .npy whose header is followed by MORE bytes than the shape names (the reserved rows
   and the claims region of a row log) loads with np.load(path), np.load(path,
   mmap_mode='r') and np.memmap: trailing bytes are ignored.
2. The shape field may be padded with spaces inside the tuple, in two "slots"
   ('(      1234                      ,)'), and a '#' comment after the dict is ignored.
3. The void mask at a documented offset is readable with np.memmap + np.unpackbits.
"""
import io, os, sys, tempfile
import numpy as np
from numpy.lib import format as fmt

REC = np.dtype([("t", "<u8"), ("id", "<u4"), ("value", "<f4")])
SLOT = 20  # digits of u64::MAX


def shape_field(value, slot):
    """'(' slot0 ' ' slot1 ',)': the value right-aligned in one slot, the other blank."""
    digits = str(value).rjust(SLOT)
    blank = " " * SLOT
    s0, s1 = (digits, blank) if slot == 0 else (blank, digits)
    return "(" + s0 + " " + s1 + ",)"


def header_bytes(value, slot, comment):
    text = "{'descr': %r, 'fortran_order': False, 'shape': %s, } # %s" % (
        REC.descr, shape_field(value, slot), comment)
    hlen = len(text) + 1
    pad = -(10 + hlen) % 64
    text = text + " " * pad + "\n"
    return fmt.magic(1, 0) + len(text).to_bytes(2, "little") + text.encode("latin1")


def main():
    cap, durable = 1000, 777
    rows = np.zeros(cap, REC)
    rows["t"] = np.arange(cap)
    rows["id"] = 7
    rows["value"] = np.arange(cap) / 2
    hdr = header_bytes(durable, 1, "mmarray row log v2; capacity 1000; void mask at byte 65536")
    assert len(hdr) % 64 == 0, len(hdr)
    region = np.full(4096 * 2, 0xAB, np.uint8).tobytes()   # stands in for the claims region
    void = np.zeros(cap, bool); void[[3, 500]] = True
    mask = np.packbits(void, bitorder="little")
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "log.npy")
        data_end = len(hdr) + cap * REC.itemsize
        region_at = -(-data_end // 4096) * 4096
        with open(p, "wb") as f:
            f.write(hdr); f.write(rows.tobytes())
            f.seek(region_at); f.write(region)
            f.seek(65536); f.write(mask.tobytes())
        print("header length", len(hdr), "file length", os.path.getsize(p))
        a = np.load(p)
        b = np.load(p, mmap_mode="r")
        off = len(hdr)
        c = np.memmap(p, dtype=REC, mode="r", offset=off, shape=(durable,))
        for name, x in (("np.load", a), ("np.load mmap_mode='r'", b), ("np.memmap", c)):
            assert x.dtype == REC and x.shape == (durable,), (name, x.dtype, x.shape)
            assert (x == rows[:durable]).all(), name
            print(f"{name}: shape {x.shape}, dtype ok, rows ok, {type(x).__name__}")
        m = np.unpackbits(np.memmap(p, np.uint8, "r", offset=65536, shape=((durable + 7) // 8,)),
                          bitorder="little")[:durable].astype(bool)
        assert (np.flatnonzero(m) == [3, 500]).all()
        print("void mask via np.memmap + unpackbits: rows", np.flatnonzero(m).tolist())
        valid = b[~m]
        print("valid rows:", len(valid))
        # header parsed by numpy's own reader from the bytes, both slots
        for slot in (0, 1):
            fp = io.BytesIO(header_bytes(1234, slot, "c"))
            fmt.read_magic(fp)
            shp, fo, dt = fmt.read_array_header_1_0(fp)
            assert shp == (1234,) and dt == REC
        print("two-slot shape '%s' parses as (1234,) in both slots" % shape_field(1234, 0))
        # a Fortran-ordered 1-d array is the same; numpy's own growth padding for comparison
        fp = io.BytesIO(); fmt.write_array_header_1_0(fp, {"descr": fmt.dtype_to_descr(REC),
                                                         "fortran_order": False, "shape": (5,)})
        print("numpy's own header for shape (5,) is", len(fp.getvalue()), "bytes")
    print("OK")


if __name__ == "__main__":
    main()
