# syntax=docker/dockerfile:1
# Herald: a static binary on a distroless base, running as non-root.
ARG GO_VERSION=1.26
FROM golang:${GO_VERSION} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/herald ./cmd/bot

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/herald /herald
ENV HERALD_DATA_DIR=/data HERALD_HTTP_ADDR=:8080
VOLUME ["/data"]
EXPOSE 8080
USER nonroot:nonroot
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD ["/herald", "-healthcheck"]
ENTRYPOINT ["/herald"]
