"""Liveness by open-file-description (OFD) locks, Linux: what the row log's owner check relies on.

A writer holds a write lock on one byte of a reserved lock range of the log file (far past
EOF) through its own open file description; any process probes it with F_OFD_GETLK. Checks:
1. a live holder is seen as alive, also while SIGSTOPped;
2. closing ANOTHER descriptor of the same file in the holder does not drop the lock (the
   trap of classic POSIX fcntl locks, which a stray open+close in the process would release);
3. after SIGKILL the lock is gone as soon as waitpid returns (the kernel closes the files in
   do_exit, after exit_mm: no store by the dead process can follow);
4. timing from kill() to the probe seeing "dead" (no waitpid: a non-parent observer);
5. the session lock: a write lock is refused while another description holds a read lock,
   a write lock converts to a read lock in place, and read locks coexist.
"""
import fcntl, os, signal, struct, sys, tempfile, time

F_OFD_GETLK, F_OFD_SETLK = 36, 37          # <asm-generic/fcntl.h>, Linux >= 3.15
LOCKS = 1 << 62                              # lock range, far past any file length


def flock_struct(ltype, start, length=1):
    # struct flock { short l_type; short l_whence; off_t l_start; off_t l_len; pid_t l_pid; }
    return struct.pack("hhqqi4x", ltype, os.SEEK_SET, start, length, 0)


def probe(fd, slot):
    r = fcntl.fcntl(fd, F_OFD_GETLK, flock_struct(fcntl.F_WRLCK, LOCKS + slot))
    ltype, _, _, _, pid = struct.unpack("hhqqi4x", r)
    return ("alive" if ltype != fcntl.F_UNLCK else "dead", pid)


def main():
    d = tempfile.mkdtemp()
    path = os.path.join(d, "log")
    open(path, "wb").write(b"\0" * 4096)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
        fcntl.fcntl(fd, F_OFD_SETLK, flock_struct(fcntl.F_WRLCK, LOCKS + 3))
        other = os.open(path, os.O_RDONLY)
        os.close(other)                      # would release a classic POSIX lock
        os.write(w, b"x")
        while True:
            time.sleep(1)
    os.read(r, 1)
    fd = os.open(path, os.O_RDONLY)
    print("holder running:           ", probe(fd, 3), "(l_pid is -1 for OFD locks)")
    print("neighbour slot 4:         ", probe(fd, 4))
    os.kill(pid, signal.SIGSTOP); time.sleep(0.2)
    print("holder SIGSTOPped:        ", probe(fd, 3))
    os.kill(pid, signal.SIGCONT)
    t0 = time.perf_counter()
    os.kill(pid, signal.SIGKILL)
    n = 0
    while probe(fd, 3)[0] == "alive":
        n += 1
    t1 = time.perf_counter()
    print(f"after SIGKILL:             {probe(fd, 3)}  seen {1e6 * (t1 - t0):.0f} us after kill(), {n} alive probes before")
    os.waitpid(pid, 0)
    print("after waitpid:            ", probe(fd, 3))
    # a new owner can take the dead slot
    taker = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    fcntl.fcntl(taker, F_OFD_SETLK, flock_struct(fcntl.F_WRLCK, LOCKS + 3))
    print("slot 3 re-taken by this process: OK")
    # 5. session lock semantics, between two open file descriptions of this process
    a = os.open(path, os.O_RDWR | os.O_CLOEXEC); b = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    fcntl.fcntl(a, F_OFD_SETLK, flock_struct(fcntl.F_WRLCK, LOCKS))          # alone: write
    try:
        fcntl.fcntl(b, F_OFD_SETLK, flock_struct(fcntl.F_RDLCK, LOCKS)); print("BUG: read beside write")
    except OSError as e:
        print("session: read lock refused while another holds write:", e.strerror)
    fcntl.fcntl(a, F_OFD_SETLK, flock_struct(fcntl.F_RDLCK, LOCKS))          # convert to read
    fcntl.fcntl(b, F_OFD_SETLK, flock_struct(fcntl.F_RDLCK, LOCKS))          # coexists
    try:
        fcntl.fcntl(b, F_OFD_SETLK, flock_struct(fcntl.F_WRLCK, LOCKS)); print("BUG: write beside read")
    except OSError as e:
        print("session: converted to read; second reader joined; write (recover) refused:", e.strerror)
    t = time.perf_counter()
    for _ in range(10000):
        probe(fd, 3)
    print(f"probe cost: {1e6 * (time.perf_counter() - t) / 10000:.2f} us (Python, incl. struct packing)")


if __name__ == "__main__":
    main()
