//! The report's plots as inline SVG, built by hand (no script, no CDN):
//! a service's timeline, the recovery-time histogram and the error-budget
//! burn-down.
