# t/bench/image.bash: ext4 images on loop devices for the benches' spools,
# sourced by t/bench/run and t/bench/batch. The caller defines progress()
# and calls image_cleanup on exit.
#
# A spool's cost is mostly its file system's: /var's is journaled, and a
# bench on a disk without a journal measures that instead (each fsync of a
# new file writes its directory; each new inode looks past every one freed
# in the last minutes). So the benches make the file system they measure.

images_mounted=() images_looped=()

# make_image DIR MB INODES [MKFS-OPTION...]: mount a new ext4 image of MB
# megabytes with INODES inodes on DIR, on a loop device with direct I/O (so
# no double caching), the image a file on the build disk. Needs root,
# losetup and mkfs.ext4; returns 1 without them. BENCH_IMAGE=0: never.
make_image() {
	local dir=$1 mb=$2 inodes=$3 img=$1.img dev
	shift 3
	mkdir -p "$dir"
	if [ "${BENCH_IMAGE:-1}" = 0 ] || [ "$(id -u)" != 0 ] ||
		! command -v losetup >/dev/null || ! command -v mkfs.ext4 >/dev/null; then
		return 1
	fi
	if ! { truncate -s "${mb}M" "$img" &&
		mkfs.ext4 -q -F -N "$inodes" -E nodiscard "$@" "$img" &&
		dev=$(losetup -f --show --direct-io=on "$img"); }; then
		progress "no loop device for $dir; using a plain directory"
		return 1
	fi
	images_looped+=("$dev")
	if ! mount -o noatime,noinit_itable "$dev" "$dir"; then
		progress "cannot mount $dev; using a plain directory"
		return 1
	fi
	images_mounted+=("$dir")
}

# Unmount and detach every image made; for the caller's exit trap.
image_cleanup() {
	local m l
	for m in "${images_mounted[@]}"; do umount "$m" || umount -l "$m"; done
	for l in "${images_looped[@]}"; do losetup -d "$l" 2>/dev/null; done
	images_mounted=() images_looped=()
}
