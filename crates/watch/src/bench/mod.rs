//! The benchmark of `forewarn watch`.
