# syntax=docker/dockerfile:1
# task-orchestrator: build with the Rust toolchain, run on a slim Debian with the interpreters execute_code needs.
# Untested here (no container engine on the development machines); deploy/check.sh lints the manifests only.

FROM rust:1.95-bookworm AS build
# cmake: aws-lc-sys (rustls' crypto provider) builds its C sources with it.
RUN apt-get update \
    && apt-get install -y --no-install-recommends cmake \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p orch-cli --bin task-orchestrator \
    && install -m 0755 target/release/task-orchestrator /usr/local/bin/task-orchestrator

FROM debian:bookworm-slim AS runtime
# python3, node, bash and sqlite3 run the code agents submit (execute_code); pip and npm install its packages when
# TASK_ORCHESTRATOR_EXEC_PACKAGE_NETWORK=true; tini reaps and forwards signals.
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-pip nodejs npm bash sqlite3 ca-certificates tini \
    && rm -rf /var/lib/apt/lists/*
# A fixed non-root uid. The sandbox's strongest level (user, mount, pid and net namespaces plus a cgroup per
# execution) needs more than this user has; docs/deployment.md lists the securityContext for each level.
RUN useradd --system --uid 10001 --user-group --home-dir /data --create-home orchestrator
COPY --from=build /usr/local/bin/task-orchestrator /usr/local/bin/task-orchestrator
USER 10001:10001
WORKDIR /data
ENV MCP_HOME=/data
EXPOSE 8000
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/task-orchestrator"]
CMD ["serve", "--http", "0.0.0.0:8000", "--stateless"]
