/* The byte stream of a live-migration state (vhost-user DEVICE_STATE):
 * little-endian integers and length-prefixed byte strings, written into a
 * growing buffer and sent in one go; read back from a buffer filled from
 * the VMM's pipe, where every read is bounds-checked because the stream
 * comes from the VMM and is as hostile as any guest input.  A section ends
 * with an FNV-1a checksum of its bytes so a damaged stream is refused
 * rather than half-applied. */
#ifndef FS_STATE_IO_H
#define FS_STATE_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The most a loaded state may be (a 1,000,000-inode table with long paths
 * stays well below). */
#define STATE_MAX_BYTES (512u << 20)

struct state_out {
	unsigned char *buf;
	size_t len, cap;
	bool failed;            /* out of memory: everything after is dropped */
};

void so_init(struct state_out *o);
void so_free(struct state_out *o);
void so_u8(struct state_out *o, uint8_t v);
void so_u32(struct state_out *o, uint32_t v);
void so_u64(struct state_out *o, uint64_t v);
void so_bytes(struct state_out *o, const void *p, size_t n);      /* raw */
void so_blob(struct state_out *o, const void *p, uint32_t n);     /* u32 length + bytes */
/* Append the checksum of buf[from, len) (u64). */
void so_checksum(struct state_out *o, size_t from);
/* Write everything to fd (retrying short writes and EINTR): 0 or -errno. */
int so_flush(struct state_out *o, int fd);

struct state_in {
	const unsigned char *buf;
	size_t len, pos;
	bool bad;               /* a read ran past the end or a check failed */
};

/* Read fd to EOF into a malloc'ed buffer (at most STATE_MAX_BYTES):
 * 0 with the buffer and its length, or -errno (-EFBIG when larger). */
int si_slurp(int fd, unsigned char **buf, size_t *len);
/* The same with another cap (the tests'). */
int si_slurp_max(int fd, size_t max, unsigned char **buf, size_t *len);
void si_init(struct state_in *in, const unsigned char *buf, size_t len);
uint8_t si_u8(struct state_in *in);
uint32_t si_u32(struct state_in *in);
uint64_t si_u64(struct state_in *in);
bool si_bytes(struct state_in *in, void *p, size_t n);
/* A u32-length blob of at most max bytes: pointer into the buffer (not
 * NUL-terminated) and its length; NULL (and in->bad) when malformed. */
const unsigned char *si_blob(struct state_in *in, uint32_t max, uint32_t *n);
/* Check the u64 checksum of buf[from, pos) that follows. */
bool si_checksum(struct state_in *in, size_t from);

uint64_t state_fnv1a(const unsigned char *p, size_t n);

#endif
