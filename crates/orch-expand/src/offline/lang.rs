//! Language knowledge for the offline planner: which test framework, test command and checks a
//! language uses, detected from the task's language, tags or text.

/// A language the planner has specific advice for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    Python,
    JavaScript,
    TypeScript,
    Rust,
    Go,
    Java,
    Ruby,
    Bash,
    Sql,
    CSharp,
    Php,
}

impl Lang {
    /// From a language name as stored on a task ("py", "python3", "ts", "golang", …).
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        Some(match name.trim().to_ascii_lowercase().as_str() {
            "python" | "python3" | "py" => Self::Python,
            "javascript" | "js" | "node" | "nodejs" => Self::JavaScript,
            "typescript" | "ts" => Self::TypeScript,
            "rust" | "rs" => Self::Rust,
            "go" | "golang" => Self::Go,
            "java" | "kotlin" => Self::Java,
            "ruby" | "rb" => Self::Ruby,
            "bash" | "sh" | "shell" => Self::Bash,
            "sql" | "postgres" | "postgresql" | "sqlite" | "mysql" => Self::Sql,
            "csharp" | "c#" | "dotnet" | ".net" => Self::CSharp,
            "php" => Self::Php,
            _ => return None,
        })
    }

    /// From framework names in the text ("django" means Python).
    pub(crate) fn from_framework_words(words: &[String]) -> Option<Self> {
        const HINTS: &[(&str, Lang)] = &[
            ("django", Lang::Python),
            ("flask", Lang::Python),
            ("fastapi", Lang::Python),
            ("pytest", Lang::Python),
            ("pandas", Lang::Python),
            ("react", Lang::TypeScript),
            ("vue", Lang::TypeScript),
            ("angular", Lang::TypeScript),
            ("nextjs", Lang::TypeScript),
            ("express", Lang::JavaScript),
            ("cargo", Lang::Rust),
            ("tokio", Lang::Rust),
            ("axum", Lang::Rust),
            ("spring", Lang::Java),
            ("rails", Lang::Ruby),
            ("laravel", Lang::Php),
        ];
        HINTS.iter().find(|(hint, _)| words.iter().any(|w| w == hint)).map(|(_, lang)| *lang)
    }

    /// Display name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Python => "Python",
            Self::JavaScript => "JavaScript",
            Self::TypeScript => "TypeScript",
            Self::Rust => "Rust",
            Self::Go => "Go",
            Self::Java => "Java",
            Self::Ruby => "Ruby",
            Self::Bash => "Bash",
            Self::Sql => "SQL",
            Self::CSharp => "C#",
            Self::Php => "PHP",
        }
    }

    /// The usual test framework.
    pub(crate) fn test_framework(self, words: &[String]) -> &'static str {
        let says = |w: &str| words.iter().any(|x| x == w);
        match self {
            Self::Python if says("django") => "pytest with pytest-django",
            Self::Python => "pytest",
            Self::JavaScript | Self::TypeScript if says("vitest") || says("vite") => "vitest",
            Self::JavaScript | Self::TypeScript => "jest",
            Self::Rust => "cargo test",
            Self::Go => "go test",
            Self::Java => "JUnit 5",
            Self::Ruby => "RSpec",
            Self::Bash => "bats",
            Self::Sql => "assertion queries on a scratch database (pgTAP on PostgreSQL)",
            Self::CSharp => "xUnit",
            Self::Php => "PHPUnit",
        }
    }

    /// Command that runs one named test.
    pub(crate) fn test_command(self, words: &[String]) -> &'static str {
        match self {
            Self::Python => "pytest -k <name>",
            Self::JavaScript | Self::TypeScript if words.iter().any(|w| w == "vitest" || w == "vite") => {
                "npx vitest run -t '<name>'"
            }
            Self::JavaScript | Self::TypeScript => "npx jest -t '<name>'",
            Self::Rust => "cargo test <name>",
            Self::Go => "go test ./... -run <Name>",
            Self::Java => "mvn test -Dtest=<Class>#<method>",
            Self::Ruby => "bundle exec rspec <file>:<line>",
            Self::Bash => "bats <file>.bats",
            Self::Sql => "psql -f <test>.sql against the scratch database",
            Self::CSharp => "dotnet test --filter <Name>",
            Self::Php => "vendor/bin/phpunit --filter <name>",
        }
    }

    /// Static checks to run before review.
    pub(crate) fn checks(self) -> &'static str {
        match self {
            Self::Python => "ruff check, ruff format --check and mypy",
            Self::JavaScript => "eslint and prettier --check",
            Self::TypeScript => "tsc --noEmit, eslint and prettier --check",
            Self::Rust => "cargo fmt --check and cargo clippy --all-targets -- -D warnings",
            Self::Go => "gofmt -l, go vet and staticcheck",
            Self::Java => "the build's compiler warnings and formatter (spotless/checkstyle)",
            Self::Ruby => "rubocop",
            Self::Bash => "shellcheck",
            Self::Sql => "sqlfluff lint",
            Self::CSharp => "dotnet format --verify-no-changes",
            Self::Php => "phpstan and php-cs-fixer --dry-run",
        }
    }

    /// How data types are usually written.
    pub(crate) fn types_hint(self) -> &'static str {
        match self {
            Self::Python => "dataclasses or pydantic models with type hints",
            Self::JavaScript => "JSDoc-typed objects and a validation schema (zod)",
            Self::TypeScript => "interfaces/types plus a runtime schema (zod) at the boundary",
            Self::Rust => "structs and enums with serde derives and a thiserror error type",
            Self::Go => "structs with json tags and sentinel/typed errors",
            Self::Java => "records/classes with bean validation annotations",
            Self::Ruby => "plain objects or ActiveModel with validations",
            Self::Bash => "clearly named variables and functions with `set -euo pipefail`",
            Self::Sql => "tables, constraints and views",
            Self::CSharp => "records with data annotations",
            Self::Php => "typed classes with readonly properties",
        }
    }

    /// How documentation examples are checked.
    pub(crate) fn doc_examples_hint(self) -> &'static str {
        match self {
            Self::Rust => "as rustdoc doctests (cargo test --doc)",
            Self::Python => "with doctest or a pytest that imports the example",
            Self::Go => "as Example functions run by go test",
            _ => "by running each snippet in CI",
        }
    }
}
