#!/usr/bin/env python3
"""kernel-pvh.py VMLINUZ OUT: writes the kernel a bzImage carries, uncompressed,
to OUT when it is an x86-64 ELF with a PVH entry point (the Xen note
XEN_ELFNOTE_PHYS32_ENTRY, which Debian's kernels have: CONFIG_PVH).  QEMU's
-kernel starts such an ELF at that entry directly, so the guest skips the
decompressor, which under TCG takes seconds of each boot.  Exits 1, writing
nothing, when the image is not one (the caller boots the vmlinuz then).

The payload is found through the boot protocol's setup header
(Documentation/arch/x86/boot.rst): payload_offset and payload_length, from
the start of the protected-mode code; its first bytes say the compression."""
import lzma
import os
import struct
import subprocess
import sys
import zlib

XEN_ELFNOTE_PHYS32_ENTRY = 18


def fail(why):
    print(f"kernel-pvh: {why}", file=sys.stderr)
    sys.exit(1)


def payload(image):
    if image[0x202:0x206] != b"HdrS" or struct.unpack_from("<H", image, 0x206)[0] < 0x208:
        fail("not a bzImage with boot protocol 2.08 or later")
    setup_sects = image[0x1F1] or 4
    start = (setup_sects + 1) * 512
    off, length = struct.unpack_from("<II", image, 0x248)
    data = image[start + off:start + off + length]
    if len(data) != length or length == 0:
        fail("the payload lies outside the image")
    return data


def decompress(data):
    if data.startswith(b"\xfd7zXZ\x00"):
        return lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data)
    if data.startswith(b"\x1f\x8b"):
        return zlib.decompressobj(31).decompress(data)
    if data.startswith(b"\x28\xb5\x2f\xfd"):
        # The size the kernel's build appends after the frame makes zstd
        # complain (exit 1) after it wrote the whole frame: checked below.
        return subprocess.run(["zstd", "-dcq"], input=data, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL).stdout
    fail(f"unknown compression (magic {data[:4].hex()})")


def has_pvh_note(elf):
    if elf[:4] != b"\x7fELF" or elf[4] != 2 or elf[5] != 1:
        fail("the payload is not a 64-bit little-endian ELF")
    e_machine, = struct.unpack_from("<H", elf, 18)
    e_phoff, e_shoff = struct.unpack_from("<QQ", elf, 32)
    e_phentsize, e_phnum, e_shentsize, e_shnum = struct.unpack_from("<HHHH", elf, 54)
    if e_machine != 62:
        fail("the ELF is not x86-64")
    # A cut-short stream would leave the section headers (at the end) out.
    if e_shoff + e_shnum * e_shentsize > len(elf):
        fail("the ELF is cut short")
    for i in range(e_phnum):
        p_type, _, p_offset, _, _, p_filesz = struct.unpack_from("<IIQQQQ", elf, e_phoff + i * e_phentsize)
        if p_type != 4:  # PT_NOTE
            continue
        pos, end = p_offset, p_offset + p_filesz
        while pos + 12 <= end:
            namesz, descsz, ntype = struct.unpack_from("<III", elf, pos)
            name = elf[pos + 12:pos + 12 + namesz].rstrip(b"\0")
            if name == b"Xen" and ntype == XEN_ELFNOTE_PHYS32_ENTRY:
                return True
            pos += 12 + ((namesz + 3) & ~3) + ((descsz + 3) & ~3)
    return False


def main():
    if len(sys.argv) != 3:
        print("usage: kernel-pvh.py VMLINUZ OUT", file=sys.stderr)
        sys.exit(2)
    with open(sys.argv[1], "rb") as f:
        image = f.read()
    elf = decompress(payload(image))
    if not has_pvh_note(elf):
        fail("the kernel has no PVH entry point")
    tmp = f"{sys.argv[2]}.{os.getpid()}"  # two runs may extract at once
    with open(tmp, "wb") as f:
        f.write(elf)
    os.replace(tmp, sys.argv[2])


main()
