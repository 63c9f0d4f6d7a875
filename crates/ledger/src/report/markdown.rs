//! The Markdown report: the same figures as the JSON, as tables.
