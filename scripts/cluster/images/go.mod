// The stand-in images of the real-cluster tier (scripts/cluster/images.sh packs each binary into a
// docker-archive tarball and containerd imports it under the name the lab's program uses).
// Standard library only.
module calico-zero-trust-lab/cluster/images

go 1.24
