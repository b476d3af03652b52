// A misspelt `npy` field attribute is refused with the attributes that exist.
mmarray_std::record! {
    struct Bad {
        #[npy(rename = "x")]
        x: u32,
    }
}

fn main() {}
