#!/usr/bin/env bash
# Pins every image the deployment uses (Dockerfile's FROM lines, compose.yaml's
# image: lines) to the digest its tag names now, so that a rebuild months
# later uses the same images until someone runs this again.
#
#   scripts/pin-images.sh           rewrite the digests in place (then review
#                                   the diff, build, run the tests, commit)
#   scripts/pin-images.sh --check   exit 1 if a tag has moved since
#
# Each reference is NAME:TAG@sha256:DIGEST; the tag is what is resolved.
# Needs `docker buildx imagetools` (Docker's buildx plugin) or `crane`, and
# the registries (Docker Hub, gcr.io) to be reachable.
set -euo pipefail
cd "$(dirname "$0")/.."
check=0
[ "${1:-}" = --check ] && check=1

resolve() { # NAME:TAG → sha256:… of its manifest list (every platform)
  if command -v crane >/dev/null 2>&1; then
    crane digest "$1"
  elif docker buildx version >/dev/null 2>&1; then
    docker buildx imagetools inspect --format '{{json .Manifest}}' "$1" | sed -n 's/.*"digest":"\(sha256:[0-9a-f]*\)".*/\1/p' | head -1
  else
    echo "pin-images: needs crane or docker buildx to ask the registries" >&2
    exit 1
  fi
}

moved=0
for file in Dockerfile compose.yaml; do
  for ref in $(grep -oE '[a-z0-9./-]+:[A-Za-z0-9._-]+@sha256:[0-9a-f]{64}' "$file" | sort -u); do
    tag=${ref%@*}
    old=${ref#*@}
    new=$(resolve "$tag")
    case $new in sha256:*) ;; *)
      echo "pin-images: could not resolve $tag" >&2
      exit 1
      ;;
    esac
    if [ "$new" = "$old" ]; then
      echo "$tag: $old (unchanged)"
      continue
    fi
    moved=1
    echo "$tag: $old -> $new"
    if [ $check = 0 ]; then
      sed -i "s|$tag@$old|$tag@$new|g" "$file"
    fi
  done
done
if [ $check = 1 ] && [ $moved = 1 ]; then
  echo "pin-images: tags have moved; run scripts/pin-images.sh to pin the new digests" >&2
  exit 1
fi
