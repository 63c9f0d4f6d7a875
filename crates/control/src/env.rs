//! `RELIABILITY_ENGINE_ENABLED`, the kill switch at start, parsed the same
//! way by every process that acts. Accepted (case-insensitive, surrounding
//! blanks ignored): `true`/`1`/`yes`/`on` (actions allowed) and
//! `false`/`0`/`no`/`off` (none). Unset or empty means enabled, as it
//! always has. Anything else (`flase`, `disabled`, `2`) is an error: a
//! kill switch that a typo silently turns into "enabled" is worse than
//! none, so the process refuses to start and names the variable, the value
//! and the accepted spellings.

/// The variable's name.
pub const VAR: &str = "RELIABILITY_ENGINE_ENABLED";

/// The accepted spellings, as shown in the error.
pub const ACCEPTED: &str = "true, false, 1, 0, yes, no, on, off (any case); unset means true";

/// A value of the variable that is none of the accepted spellings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{VAR}={value:?} is not a valid value: accepted are {ACCEPTED}; refusing to start rather than guess"
)]
pub struct InvalidSwitch {
    /// The value found.
    pub value: String,
}

/// `Some(enabled)` for an accepted spelling (empty counts as unset:
/// enabled), `None` for anything else.
pub fn parse(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "" | "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// Whether the environment allows actions: the variable unset, or an
/// accepted spelling; an error for any other value (and for a value that
/// is not UTF-8).
pub fn from_env() -> Result<bool, InvalidSwitch> {
    match std::env::var(VAR) {
        Err(std::env::VarError::NotPresent) => Ok(true),
        Err(std::env::VarError::NotUnicode(v)) => Err(InvalidSwitch {
            value: v.to_string_lossy().into_owned(),
        }),
        Ok(v) => parse(&v).ok_or(InvalidSwitch { value: v }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_accepted_spelling_and_nothing_else() {
        for v in ["true", "TRUE", " yes ", "On", "1", ""] {
            assert_eq!(parse(v), Some(true), "{v:?}");
        }
        for v in ["false", "False", "NO", "off", "0", " 0\n"] {
            assert_eq!(parse(v), Some(false), "{v:?}");
        }
        for v in ["flase", "disabled", "2", "nope", "true!", "o n"] {
            assert_eq!(parse(v), None, "{v:?}");
        }
    }

    #[test]
    fn the_error_names_the_variable_the_value_and_the_choices() {
        let e = InvalidSwitch {
            value: "flase".into(),
        }
        .to_string();
        assert!(e.contains("RELIABILITY_ENGINE_ENABLED=\"flase\""), "{e}");
        assert!(e.contains("true, false, 1, 0, yes, no, on, off"), "{e}");
    }
}
