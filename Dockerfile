# syntax=docker/dockerfile:1
# Build: a static binary (pure Go: lib/pq, no cgo), time zone data embedded.
# .dockerignore keeps secrets/, exports/ and local data out of the context.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/tianbao ./cmd/tianbao

# Run: no shell, no package manager, a non-root user (65532). The image
# expects DATABASE_URL and DATABASE_PASSWORD_FILE (see compose.yaml); the
# private-cluster default is for machines with PostgreSQL installed, not
# for this image.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/tianbao /usr/local/bin/tianbao
USER nonroot:nonroot
ENV TZ=Asia/Shanghai
# 8080: /healthz and the webhook; 9090: /metrics (not to be published).
EXPOSE 8080 9090
ENTRYPOINT ["/usr/local/bin/tianbao"]
CMD ["help"]
