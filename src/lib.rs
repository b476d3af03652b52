#![doc = "mmarray core — see the crate README."]
#![no_std]
#![forbid(unsafe_code)]

pub mod claim;
pub mod element;
pub mod error;
pub mod layout;
pub mod npy;
mod sync;
pub mod view;
