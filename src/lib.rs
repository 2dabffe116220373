pub fn x() {}

pub mod vault;
