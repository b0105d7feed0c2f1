#!/bin/sh
# Generate the man page from `virtiofsd --help`, the one source of truth for
# the options (src/options/options.c).
set -eu
bin=$1
version=$("$bin" --version | awk '{print $2}')
cat <<HDR
.TH VIRTIOFSD 1 "" "virtiofsd $version" "User Commands"
.SH NAME
virtiofsd \- share a host directory with a virtual machine over virtio-fs
.SH SYNOPSIS
.B virtiofsd
\-\-shared\-dir=DIR (\-\-socket\-path=PATH | \-\-fd=FD) [OPTIONS]
.SH DESCRIPTION
A vhost-user back-end for QEMU's vhost-user-fs-pci device: the guest mounts the
shared directory with \fBmount -t virtiofs TAG /mnt\fR and every FUSE request is
answered on the host directory.  A drop-in for QEMU's C virtiofsd and the Rust
virtiofsd: both spellings of the options are accepted.
.SH OPTIONS
HDR
"$bin" --help | awk '
	/^  -/ {
		line = $0; sub(/^  /, "", line)
		opt = line; sub(/  +.*/, "", opt)
		desc = line; sub(/^[^ ]+( [^ ]+)?  +/, "", desc)
		if (opt ~ /^-o /) { desc = substr(line, length(opt) + 1); sub(/^ +/, "", desc) }
		else { desc = substr(line, length(opt) + 1); sub(/^ +/, "", desc) }
		gsub(/-/, "\\-", opt)
		printf(".TP\n.B %s\n%s\n", opt, desc)
		next
	}
	/^QEMU C virtiofsd/ { print ".SS " $0; next }
'
cat <<FTR
.SH EXIT STATUS
0 when the VMM disconnected cleanly; 1 on a usage or start-up error.
.SH SEE ALSO
.BR qemu-system-x86_64 (1)
FTR
