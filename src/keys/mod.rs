//! Function keys the way the Functions host keeps and checks them: key
//! generation, the host's `files` secret store, and request authorization.

pub mod marvin;
