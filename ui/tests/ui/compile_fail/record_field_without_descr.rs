// A record field whose type has no numpy descr (here `usize`: numpy has no platform-sized
// integer in a file) does not compile, and the message names the type.
mmarray_std::record! {
    struct Bad {
        id: u64,
        len: usize,
    }
}

fn main() {}
