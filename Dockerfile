# Build: a static binary (pure Go: lib/pq, no cgo), time zone data embedded.
# .dockerignore keeps secrets/, exports/ and local data out of the context.
# Images are pinned by digest; scripts/pin-images.sh resolves them anew.
FROM golang:1.26.8-bookworm@sha256:a688600ca24f8a4d3ca77f95b0dd40704a9fc787c826660eb7ba0b641b8b175d AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# The release, for tianbao_build_info (compose passes TIANBAO_VERSION).
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.version=${VERSION}" -o /out/tianbao ./cmd/tianbao

# Run: no shell, no package manager, a non-root user (65532). The image
# expects DATABASE_URL and DATABASE_PASSWORD_FILE (see compose.yaml); the
# private-cluster default is for machines with PostgreSQL installed, not
# for this image.
FROM gcr.io/distroless/static-debian12:nonroot@sha256:afa5c872c891853ca7fcf1f12c3edb23f7eeef36189728842dd51042ff57f7ab
COPY --from=build /out/tianbao /usr/local/bin/tianbao
USER nonroot:nonroot
# compose's tools service mounts ./campaigns and ./exports here.
WORKDIR /work
ENV TZ=Asia/Shanghai
# 8080: /healthz, the webhook and the desk; 9090: /metrics (not to be published).
EXPOSE 8080 9090
ENTRYPOINT ["/usr/local/bin/tianbao"]
CMD ["help"]
