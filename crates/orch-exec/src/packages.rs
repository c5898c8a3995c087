//! Package name validation: only registry names (with an optional version) reach pip or npm, never options, URLs
//! or paths.

use crate::config::ExecLanguage;
use crate::error::ExecError;

fn is_name(s: &str, allow_upper: bool) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphanumeric())
        && s.len() <= 214
        && s.chars().all(|c| {
            (c.is_ascii_alphanumeric() && (allow_upper || !c.is_ascii_uppercase())) || matches!(c, '.' | '_' | '-')
        })
}

fn is_version(s: &str, extra: &[char]) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '*' | '+' | '-' | '_') || extra.contains(&c))
}

fn is_python_requirement(spec: &str) -> bool {
    let ops = ["==", ">=", "<=", "~=", "!="];
    let (name, version) = match ops.iter().filter_map(|op| spec.find(op).map(|i| (i, op.len()))).min() {
        Some((i, len)) => (&spec[..i], Some(&spec[i + len..])),
        None => (spec, None),
    };
    let (base, extras) = match name.split_once('[') {
        Some((base, rest)) => (base, rest.strip_suffix(']').map(Some).unwrap_or(Some("\u{0}"))),
        None => (name, None),
    };
    is_name(base, true)
        && extras.is_none_or(|e| !e.is_empty() && e.split(',').all(|x| is_name(x, true)))
        && version.is_none_or(|v| is_version(v, &['!']))
}

fn is_npm_spec(spec: &str) -> bool {
    let (scope, rest) = match spec.strip_prefix('@') {
        Some(rest) => match rest.split_once('/') {
            Some((scope, rest)) => (Some(scope), rest),
            None => return false,
        },
        None => (None, spec),
    };
    let (name, version) = match rest.split_once('@') {
        Some((name, version)) => (name, Some(version)),
        None => (rest, None),
    };
    scope.is_none_or(|s| is_name(s, false))
        && is_name(name, false)
        && version.is_none_or(|v| is_version(v, &['^', '~', '<', '>', '=']))
}

/// Checks every package name of a request for `language`.
pub(crate) fn validate(language: ExecLanguage, packages: &[String]) -> Result<(), ExecError> {
    if packages.is_empty() {
        return Ok(());
    }
    let check: fn(&str) -> bool = match language {
        ExecLanguage::Python => is_python_requirement,
        ExecLanguage::Javascript | ExecLanguage::Typescript => is_npm_spec,
        ExecLanguage::Bash | ExecLanguage::Sql => {
            return Err(ExecError::PackagesUnsupported { language: language.to_string() });
        }
    };
    match packages.iter().find(|p| !check(p)) {
        Some(bad) => Err(ExecError::InvalidPackageName { name: bad.clone() }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(language: ExecLanguage, name: &str) -> bool {
        validate(language, &[name.to_owned()]).is_ok()
    }

    #[test]
    fn python_names() {
        for good in ["requests", "numpy==1.26.4", "Django>=4.2", "requests[socks,security]", "zope.interface", "a"] {
            assert!(ok(ExecLanguage::Python, good), "{good}");
        }
        for bad in [
            "-r/etc/passwd",
            "--index-url=http://evil",
            "git+https://x/y.git",
            "https://evil/pkg.whl",
            "./local",
            "/abs/path",
            "pkg; rm -rf /",
            "pkg name",
            "",
            "pkg[",
            "pkg==",
            "..",
        ] {
            assert!(!ok(ExecLanguage::Python, bad), "{bad}");
        }
    }

    #[test]
    fn npm_names() {
        for good in ["lodash", "@types/node", "@types/node@20", "left-pad@^1.3.0", "uuid@9.0.1"] {
            assert!(ok(ExecLanguage::Javascript, good), "{good}");
        }
        for bad in ["-g", "--registry=http://evil", "git+ssh://x", "file:../x", "../x", "@scope", "Upper", "a b", "x@"]
        {
            assert!(!ok(ExecLanguage::Typescript, bad), "{bad}");
        }
    }

    #[test]
    fn languages_without_package_managers_refuse_packages() {
        assert!(matches!(validate(ExecLanguage::Bash, &["jq".into()]), Err(ExecError::PackagesUnsupported { .. })));
        assert!(validate(ExecLanguage::Sql, &[]).is_ok());
    }
}
