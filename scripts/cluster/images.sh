#!/usr/bin/env bash
# Builds the stand-in images as docker-archive tarballs in the cache's images/ (no registry, no pull):
# the Go programs of scripts/cluster/images/ (tested first), CoreDNS from bin/, and Debian's
# busybox-static. `up` imports them into containerd under the names below (lib.sh IMAGE_*).
#
#   image                                        entrypoint            user   stands in for
#   lab.local/pause:1                            /pause                65535  the pod sandbox
#   lab.local/coredns:1                          /coredns              0      cluster DNS
#   lab.local/helloworld:1                       /helloworld           10001  remkohdev/helloworld (app and proxy)
#   docker.io/rezareza/yaobank-customer:azure    /customer             0      the track's customer (port 80)
#   docker.io/rezareza/yaobank-summary:azure     /summary              0      the track's summary (port 80)
#   docker.io/rezareza/yaobank-database:azure    etcd (on PATH)        0      the track's database (etcd, 2379)
#   docker.io/library/busybox:1.36               sh                    0      verify's probe image; with `listen`,
#                                                                            the differential tier's workload
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$CLUSTER_DIR/../lib/packages.sh"

export CGO_ENABLED=0
go_environment "$CACHE" 1.26
readonly SRC="$CLUSTER_DIR/images" WORK="$BUILD/images"
readonly BUSYBOX=/bin/busybox
ensure_packages "cluster:build (images)" $CLUSTER_BUILD_PACKAGES

# mkimage REF ROOTFS OUT USER ENTRYPOINT_JSON CMD_JSON: writes a docker-archive (manifest.json with
# RepoTags, a config whose diff_id is the layer's sha256, one uncompressed layer.tar), reproducibly.
mkimage() {
  local ref="$1" rootfs="$2" out="$3" user="$4" entrypoint="$5" cmd="$6" tmp diff config sha
  tmp="$(mktemp -d)"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 --format=gnu -C "$rootfs" -cf "$tmp/layer.tar" .
  diff="sha256:$(sha256sum "$tmp/layer.tar" | cut -d' ' -f1)"
  config="{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"1970-01-01T00:00:00Z\",\"config\":{\"User\":\"$user\",\"Env\":[\"PATH=/usr/local/bin:/usr/bin:/bin\"],\"Entrypoint\":$entrypoint,\"Cmd\":$cmd,\"WorkingDir\":\"/\"},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"$diff\"]}}"
  sha="$(printf '%s' "$config" | sha256sum | cut -d' ' -f1)"
  printf '%s' "$config" >"$tmp/$sha.json"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["layer.tar"]}]' "$sha" "$ref" >"$tmp/manifest.json"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$tmp" -cf "$out.tmp" manifest.json "$sha.json" layer.tar
  mv -f "$out.tmp" "$out"
  rm -rf "$tmp"
}

# rootfs DIR USER_LINE: an image root with /etc/passwd, /etc/group and a world-writable /tmp.
rootfs() {
  local dir="$1"
  rm -rf "$dir" && mkdir -p "$dir/etc" "$dir/tmp" "$dir/bin"
  chmod 1777 "$dir/tmp"
  printf 'root:x:0:0:root:/:/bin/sh\napp:x:10001:10001:app:/tmp:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$dir/etc/passwd"
  printf 'root:x:0:\napp:x:10001:\nnogroup:x:65534:\n' >"$dir/etc/group"
}

key="$({
  go env GOVERSION
  sha256sum "$BIN/coredns" "$BUSYBOX" "${BASH_SOURCE[0]}" | cut -d" " -f1 # contents only: the same in every checkout
  (cd "$SRC" && find . -type f | LC_ALL=C sort | xargs sha256sum)
} | sha256sum | cut -d' ' -f1)"
if [[ "${CLUSTER_REBUILD:-0}" != 1 && -x "$BIN/world-dns" && -f "$IMAGES/images.stamp" && "$(cat "$IMAGES/images.stamp")" == "$key" ]]; then
  say "images: cached in $IMAGES"
  exit 0
fi
[[ -x "$BIN/coredns" ]] || die "images: $BIN/coredns is missing (build.sh builds it first)"
[[ -x "$BUSYBOX" ]] || die "images: $BUSYBOX is missing although busybox-static is installed"
t0=$(date +%s)
mkdir -p "$LOGS"
log="$LOGS/images.log"
: >"$log"
rm -rf "$WORK" && mkdir -p "$WORK/out" "$IMAGES"
cp -R "$SRC/." "$WORK/"
say "images: testing and building the stand-ins (log: $log) ..."
(cd "$WORK" && with_progress "$log" "images: go test" go test ./...) || die "images: step 'go test' failed (see $log)"
(cd "$WORK" && with_progress "$log" "images: go build" go build -trimpath -ldflags "-s -w" -o out/ ./...) ||
  die "images: step 'go build' failed (see $log)"

# Not an image: the outside world's resolver, a host process in the outside netns (up.sh).
install -m 0755 "$WORK/out/world-dns" "$BIN/world-dns"
r="$WORK/rootfs"
rootfs "$r" && install -m 0755 "$WORK/out/pause" "$r/pause"
mkimage "$IMAGE_PAUSE" "$r" "$IMAGES/pause.tar" 65535 '["/pause"]' null
rootfs "$r" && install -m 0755 "$BIN/coredns" "$r/coredns"
mkimage "$IMAGE_COREDNS" "$r" "$IMAGES/coredns.tar" 0 '["/coredns"]' '["-conf","/etc/coredns/Corefile"]'
rootfs "$r" && install -m 0755 "$WORK/out/helloworld" "$r/helloworld"
mkimage "$IMAGE_HELLOWORLD" "$r" "$IMAGES/helloworld.tar" 10001:10001 '["/helloworld"]' null
for app in customer summary; do
  rootfs "$r" && install -m 0755 "$WORK/out/yaobank-$app" "$r/$app"
  mkimage "$IMAGE_YAOBANK_PREFIX$app:$IMAGE_YAOBANK_TAG" "$r" "$IMAGES/yaobank-$app.tar" 0 "[\"/$app\"]" null
done
rootfs "$r" && mkdir -p "$r/usr/local/bin" && install -m 0755 "$WORK/out/yaobank-database" "$r/usr/local/bin/etcd"
mkimage "${IMAGE_YAOBANK_PREFIX}database:$IMAGE_YAOBANK_TAG" "$r" "$IMAGES/yaobank-database.tar" 0 '["etcd"]' null
# busybox: every applet as a link, but nc is ours (Debian's busybox has no `nc -z`).
rootfs "$r" && install -m 0755 "$BUSYBOX" "$r/bin/busybox"
for applet in $("$BUSYBOX" --list); do
  [[ "$applet" == busybox || "$applet" == nc ]] || ln -sf busybox "$r/bin/$applet"
done
install -m 0755 "$WORK/out/nc" "$r/bin/nc"
install -m 0755 "$WORK/out/listen" "$r/bin/listen"
mkimage "$IMAGE_BUSYBOX" "$r" "$IMAGES/busybox.tar" 0 null '["sh"]'
rm -rf "$r"
echo "$key" >"$IMAGES/images.stamp"
say "images: built $(find "$IMAGES" -name '*.tar' | wc -l) tarballs in $(elapsed "$t0") ($(du -sh "$IMAGES" | cut -f1))"
