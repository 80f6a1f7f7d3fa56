# syntax=docker/dockerfile:1

# agentbill's container image: the scheduler ("agentbill schedule") by
# default, any other command as arguments. Build from the repository's root:
#   docker build -t agentbill .
#   docker build --build-arg VERSION=1.2.3 -t agentbill:1.2.3 .
# The config is /etc/agentbill/agentbill.yaml (packaging/agentbill.yaml until
# a config is mounted over it); the lake and reports live in the volume
# /var/lib/agentbill, owned by uid/gid 10001.

# The DuckDB driver is C++ linked with cgo: the builder has gcc and g++.
# Modules and build results stay in BuildKit's caches between builds.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY . .
# Empty: the version comes from the module and the Git revision of the
# context, when its .git is there.
ARG VERSION=""
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=1 go build -trimpath \
        -ldflags "-s -w${VERSION:+ -X main.version=$VERSION}" \
        -o /out/agentbill ./cmd/agentbill

FROM debian:bookworm-slim
# ca-certificates for SMTP with STARTTLS, tzdata for the site's time zone,
# libstdc++6 for DuckDB.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates tzdata libstdc++6 \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 agentbill \
    && useradd --system --uid 10001 --gid agentbill --home-dir /var/lib/agentbill \
        --no-create-home --shell /usr/sbin/nologin agentbill \
    && install -d -m 0750 -o agentbill -g agentbill /var/lib/agentbill
COPY --from=build /out/agentbill /usr/bin/agentbill
COPY packaging/agentbill.yaml /etc/agentbill/agentbill.yaml
COPY config/agentbill.example.yaml /usr/share/doc/agentbill/agentbill.example.yaml
ENV AGENTBILL_CONFIG=/etc/agentbill/agentbill.yaml
WORKDIR /var/lib/agentbill
VOLUME ["/var/lib/agentbill"]
USER 10001:10001
# SIGTERM (docker stop) lets a running job finish within the grace period:
# give docker stop --time (or stop_grace_period) more than that.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/agentbill"]
CMD ["schedule", "--grace", "5m"]
