# syntax=docker/dockerfile:1
# Herald: a static binary on a distroless base, running as a non-root user.
# Build:  docker build --build-arg VERSION=$(git describe --tags --always) -t herald .
# The binary embeds the IANA time-zone database and Mozilla's CA roots (cmd/bot/self_check.go),
# so it also runs on an empty root; `herald -selfcheck` proves both without network.
ARG GO_VERSION=1.26

FROM golang:${GO_VERSION} AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS=-buildvcs=false GOMODCACHE=/go/pkg/mod GOCACHE=/root/.cache/go-build
# Modules first: this layer is reused until go.mod or go.sum change.
# Cache mounts keep the module and build caches across builds (BuildKit and buildah/podman).
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
# The test in internal/ops builds with exactly these flags; change both together.
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/herald ./cmd/bot \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/herald /herald
# The data dir exists in the image owned by the runtime user, so a fresh named volume mounted
# there inherits that ownership and the embedded store can write its file.
COPY --from=build --chown=65532:65532 /out/data /data
ENV HERALD_DATA_DIR=/data HERALD_HTTP_ADDR=:8080
VOLUME ["/data"]
EXPOSE 8080
USER 65532:65532
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["/herald", "-healthcheck"]
ENTRYPOINT ["/herald"]
