#!/usr/bin/env bash
# Builds the Lifeboat test guest: a small raw disk that boots by itself under SeaBIOS (syslinux on a FAT16
# partition, Debian's kernel with a busybox initramfs, a busybox ext4 root file system whose /init prints
# markers on the serial console, and Debian's QEMU guest agent). Nothing is mounted; the partitions are
# written in place with mtools and mkfs.ext4 -d. Built once per kernel version and script version; later calls
# only check the stamp.
#
#   tests/guest/build-guest.sh [OUTDIR]      default OUTDIR: <repo>/.build/guest/<kernel-version>
#
# Prints the output folder on stdout (progress goes to stderr). See tests/guest/README.md.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache="$repo/.build/guest"

work=""
trap '[ -z "$work" ] || rm -rf "$work"' EXIT

say() { echo "build-guest: $*" >&2; }
die() { echo "build-guest: error: $*" >&2; exit 1; }

# Disk layout (512-byte sectors). The offsets are also written to guest.json for tests that inspect
# the partitions with mtools, debugfs or e2fsck.
readonly sector=512
readonly disk_mib=128
readonly boot_start=2048                                # 1 MiB
readonly boot_sectors=$((32 * 2048))                    # 32 MiB FAT16
readonly root_start=$((boot_start + boot_sectors))      # 33 MiB
readonly root_sectors=$((disk_mib * 2048 - root_start)) # to the end of the disk

# Drivers for every disk bus the launcher offers (virtio, ide/sata, scsi), ext4, fw_cfg for the mode, and
# virtio_console for the guest agent's virtio-serial port.
readonly guest_modules="virtio_pci virtio_blk virtio_scsi sd_mod ata_piix ahci ext4 qemu_fw_cfg virtio_console"

# The real QEMU guest agent (qemu-ga) from Debian; its shared libraries are copied from the host, so the
# host needs the packages it depends on.
readonly agent_package=qemu-guest-agent
readonly agent_libraries="libglib2.0-0 libnuma1 libudev1 liburing2"

ensure_packages() {
  local missing=() pkg installed
  installed=$(dpkg-query -W -f='${Package} ${Status}\n' "$@" 2>/dev/null | awk '/ install ok installed$/ { print $1 }')
  for pkg in "$@"; do
    grep -qx "$pkg" <<<"$installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "missing Debian packages ${missing[*]}; install them as root"
    sudo=(sudo)
  fi
  say "installing ${missing[*]}"
  local install=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}")
  if ! "${install[@]}" >&2; then
    say "install failed; refreshing the package lists once and retrying"
    "${sudo[@]}" apt-get update >&2
    "${install[@]}" >&2 || die "could not install ${missing[*]}; check apt's sources and network"
  fi
}

# The newest cached .deb of a package, downloaded with apt-get into the cache folder when there is none.
cached_deb() {
  local pkg=$1 deb
  mkdir -p "$cache/debs"
  deb=$(find "$cache/debs" -maxdepth 1 -name "${pkg}_*_amd64.deb" | sort | tail -n 1)
  if [ -z "$deb" ]; then
    say "downloading $pkg"
    (cd "$cache/debs" && apt-get download -o APT::Sandbox::User=root "$pkg" >&2) ||
      die "apt-get download $pkg failed; check apt's sources and network"
    deb=$(find "$cache/debs" -maxdepth 1 -name "${pkg}_*_amd64.deb" | sort | tail -n 1)
    [ -n "$deb" ] || die "apt-get download $pkg left no ${pkg}_*_amd64.deb in $cache/debs"
  fi
  echo "$deb"
}

# Copies a dynamically linked program and the shared libraries it loads (as the host resolves them, with
# ldd) into the root file system, at the same paths. Prints how many libraries it copied.
install_program() {
  local program=$1 target=$2 rootfs=$3 listing line library copied=0
  install -D -m 0755 "$program" "$rootfs$target"
  listing=$(ldd "$program" 2>&1) || die "ldd cannot read $program: $listing"
  if grep -q 'not found' <<<"$listing"; then
    die "$(basename "$program") needs libraries this host lacks ($(grep 'not found' <<<"$listing" | awk '{ print $1 }' | xargs)); install the packages $agent_libraries"
  fi
  while read -r line; do
    case "$line" in
      *' => /'*) library=$(awk '{ print $3 }' <<<"$line") ;;
      /*) library=$(awk '{ print $1 }' <<<"$line") ;;
      *) continue ;; # linux-vdso.so.1 lives in the kernel
    esac
    mkdir -p "$rootfs$(dirname "$library")"
    cp -L "$library" "$rootfs$library"
    copied=$((copied + 1))
  done <<<"$listing"
  echo "$copied"
}

kernel_package() {
  if [ -n "${LIFEBOAT_GUEST_KERNEL_PACKAGE:-}" ]; then
    echo "$LIFEBOAT_GUEST_KERNEL_PACKAGE"
    return
  fi
  # apt-cache takes seconds on a busy machine; its answer only changes when the package lists do.
  local lists memo="$cache/.kernel-package" seen pkg=""
  lists=$(stat -c %Y /var/lib/apt/lists 2>/dev/null || echo none)
  if [ -f "$memo" ] && read -r seen pkg <"$memo" && [ "$seen" = "$lists" ] && [ -n "$pkg" ]; then
    echo "$pkg"
    return
  fi
  pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }')
  if [ -z "$pkg" ]; then
    say "apt does not know linux-image-amd64 yet; refreshing the package lists"
    apt-get update >&2 || die "apt-get update failed; run it as root, or set LIFEBOAT_GUEST_KERNEL_PACKAGE"
    pkg=$(apt-cache depends linux-image-amd64 | awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }')
  fi
  [ -n "$pkg" ] || die "cannot resolve linux-image-amd64 to a kernel package; set LIFEBOAT_GUEST_KERNEL_PACKAGE"
  mkdir -p "$cache"
  echo "$(stat -c %Y /var/lib/apt/lists 2>/dev/null || echo none) $pkg" >"$memo"
  echo "$pkg"
}

# Little-endian 32-bit value as printf escapes.
le32() {
  printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $((($1 >> 8) & 255)) $((($1 >> 16) & 255)) $((($1 >> 24) & 255))
}

# An MBR partition entry: status, type, first LBA, sector count. CHS fields hold the "use LBA" value.
mbr_entry() {
  printf '\\x%02x\\xfe\\xff\\xff\\x%02x\\xfe\\xff\\xff%s%s' "$1" "$2" "$(le32 "$3")" "$(le32 "$4")"
}

write_partition_table() {
  local disk=$1 table
  dd if=/usr/lib/syslinux/mbr/mbr.bin of="$disk" bs=440 count=1 conv=notrunc status=none
  # Disk signature "LBOT", two partitions, two empty entries, boot signature.
  table="LBOT\\x00\\x00$(mbr_entry 0x80 0x0e $boot_start $boot_sectors)$(mbr_entry 0x00 0x83 $root_start $root_sectors)"
  table="$table$(printf '\\x00%.0s' $(seq 32))\\x55\\xaa"
  # shellcheck disable=SC2059 # the table is a format of escapes on purpose
  printf "$table" | dd of="$disk" bs=1 seek=440 conv=notrunc status=none
}

build() {
  local work=$1 deb=$2 kver=$3 out=$4 agent_deb=$5
  local kernel="$work/kernel" initramfs="$work/initramfs" rootfs="$work/rootfs" disk="$work/guest.raw"
  local moddir="$kernel/lib/modules/$kver"

  say "unpacking $(basename "$deb")"
  mkdir -p "$kernel"
  dpkg-deb -x "$deb" "$kernel"
  depmod -b "$kernel" "$kver"

  say "resolving module load order for: $guest_modules"
  local module
  for module in $guest_modules; do
    modprobe -d "$kernel" -S "$kver" --show-depends "$module" >"$work/deps" ||
      die "the kernel $kver has no module $module"
    awk '$1 == "insmod" { print $2 }' "$work/deps"
  done | grep -v '/crc32c-intel\.ko' | awk '!seen[$0]++' | sed "s|^$moddir/||" >"$work/load-order"
  # crc32c-intel fails under TCG; crc32c_generic (an ext4 soft dependency) covers it.
  grep -q '/crc32c_generic\.ko$' "$work/load-order" || die "crc32c_generic is not in the load order"
  say "  $(wc -l <"$work/load-order") modules: $(xargs -n1 basename <"$work/load-order" | sed 's/\.ko.*//' | xargs)"

  say "building the initramfs"
  mkdir -p "$initramfs"/{bin,dev,proc,sys,newroot,lib/modules}
  cp /bin/busybox "$initramfs/bin/busybox"
  local applet
  for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -s busybox "$initramfs/bin/$applet"
  done
  while read -r module; do
    mkdir -p "$initramfs/lib/modules/$(dirname "$module")"
    cp "$moddir/$module" "$initramfs/lib/modules/$module"
  done <"$work/load-order"
  cp "$work/load-order" "$initramfs/lib/modules/load-order"
  install -m 0755 "$here/initramfs-init" "$initramfs/init"
  (cd "$initramfs" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -9n >"$work/initrd.img"
  cp "$kernel/boot/vmlinuz-$kver" "$work/vmlinuz"

  say "building the root file system"
  mkdir -p "$rootfs"/{bin,dev,proc,sys,tmp,data,etc/lifeboat}
  cp /bin/busybox "$rootfs/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -s busybox "$rootfs/bin/$applet"
  done
  install -m 0755 "$here/guest-init" "$rootfs/init"
  echo "$kver" >"$rootfs/etc/lifeboat/kernel-version"
  mkdir -p "$rootfs/run"

  say "adding the QEMU guest agent from $(basename "$agent_deb")"
  mkdir -p "$work/agent"
  dpkg-deb -x "$agent_deb" "$work/agent"
  [ -x "$work/agent/usr/sbin/qemu-ga" ] || die "$(basename "$agent_deb") has no usr/sbin/qemu-ga"
  local libraries
  libraries=$(install_program "$work/agent/usr/sbin/qemu-ga" /usr/sbin/qemu-ga "$rootfs")
  say "  qemu-ga and $libraries libraries, $(du -shc --apparent-size "$rootfs/usr" "$rootfs/lib" "$rootfs/lib64" | awk 'END { print $1 }')"

  say "writing a ${disk_mib} MiB sparse disk: MBR, FAT16 boot partition at $((boot_start * sector)), ext4 root at $((root_start * sector))"
  truncate -s "${disk_mib}M" "$disk"
  write_partition_table "$disk"
  local fat="$disk@@$((boot_start * sector))"
  export MTOOLS_SKIP_CHECK=1
  mformat -i "$fat" -T "$boot_sectors" -h 64 -s 32 -H "$boot_start" -v LIFEBOOT ::
  syslinux --install --offset $((boot_start * sector)) "$disk"
  mcopy -i "$fat" "$work/vmlinuz" "$work/initrd.img" "$here/syslinux.cfg" ::
  mkfs.ext4 -q -F -L lifeboat-root -E offset=$((root_start * sector)) -d "$rootfs" "$disk" "$((root_sectors / 2))k"

  say "checking the partitions"
  mdir -i "$fat" -b :: | sed 's/^/  /' >&2
  e2fsck -fn "$disk?offset=$((root_start * sector))" >"$work/fsck.log" 2>&1 || {
    cat "$work/fsck.log" >&2
    die "the root file system did not pass e2fsck"
  }

  cat >"$work/guest.json" <<EOF
{
  "name": "lifeboat-guest",
  "cpus": 1,
  "memoryMiB": 256,
  "diskBus": "virtio",
  "nicModel": "virtio-net",
  "firmware": "bios",
  "guestAgent": true,
  "disk": "guest.raw",
  "kernelVersion": "$kver",
  "partitions": {
    "boot": { "offset": $((boot_start * sector)), "size": $((boot_sectors * sector)), "type": "fat16" },
    "root": { "offset": $((root_start * sector)), "size": $((root_sectors * sector)), "type": "ext4", "label": "lifeboat-root" }
  }
}
EOF
  # libvirt's type='qemu' is TCG; use type='kvm' where KVM works.
  cat >"$work/guest.xml" <<EOF
<domain type='qemu'>
  <name>lifeboat-guest</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <boot dev='hd'/>
  </os>
  <features>
    <acpi/>
  </features>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='$out/guest.raw'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <interface type='user'>
      <model type='virtio'/>
    </interface>
    <serial type='pty'>
      <target port='0'/>
    </serial>
    <console type='pty'>
      <target type='serial' port='0'/>
    </console>
    <channel type='unix'>
      <target type='virtio' name='org.qemu.guest_agent.0'/>
    </channel>
  </devices>
</domain>
EOF
}

main() {
  # shellcheck disable=SC2086 # a list of package names
  ensure_packages busybox-static syslinux syslinux-common mtools e2fsprogs cpio kmod $agent_libraries

  local pkg kver out stamp
  pkg=$(kernel_package)
  kver=${pkg#linux-image-}
  out=${1:-$cache/$kver}
  mkdir -p "$out"
  out=$(cd "$out" && pwd)
  stamp="kernel=$kver script=$(cat "$here/build-guest.sh" "$here/initramfs-init" "$here/guest-init" "$here/syslinux.cfg" | sha256sum | cut -d ' ' -f 1)"

  # One builder at a time per output folder; the others wait and then find the stamp.
  exec 9>"$out/.lock"
  flock 9
  if [ "$(cat "$out/.stamp" 2>/dev/null)" = "$stamp" ]; then
    say "up to date: $out ($kver)"
    echo "$out"
    return 0
  fi

  say "building the guest for kernel $kver into $out"
  local deb agent_deb
  deb=$(cached_deb "$pkg")
  agent_deb=$(cached_deb "$agent_package")

  work=$(mktemp -d "$out/.work.XXXXXX")
  rm -f "$out/.stamp"
  build "$work" "$deb" "$kver" "$out" "$agent_deb"
  local file
  for file in guest.raw vmlinuz initrd.img guest.json guest.xml; do
    mv -f "$work/$file" "$out/$file"
  done
  echo "$stamp" >"$out/.stamp"
  say "done: $out ($(du -h --apparent-size "$out/guest.raw" | cut -f 1) disk, $(du -h "$out/guest.raw" | cut -f 1) allocated)"
  echo "$out"
}

main "$@"
