//! The `vaultfn` commands a user runs before and after a deploy, run as the user runs them.

mod check;
mod identity;
mod keys_arm;
