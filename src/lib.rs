pub fn x(){}

pub mod keys;
