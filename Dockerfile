# syntax=docker/dockerfile:1
# Build: a static binary (pure Go: lib/pq, no cgo), time zone data embedded.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/tianbao ./cmd/tianbao

# Run: no shell, no package manager, a non-root user. The image expects
# DATABASE_URL (see compose.yaml); the private-cluster default is for
# machines with PostgreSQL installed, not for this image.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/tianbao /usr/local/bin/tianbao
USER nonroot:nonroot
ENV TZ=Asia/Shanghai
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/tianbao"]
CMD ["help"]
