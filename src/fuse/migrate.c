/* Live migration of the FUSE session: the guest never sends INIT again
 * after a move, so the destination must start from what the source agreed.
 * The stream is a fixed header (this file) followed by the filesystem's
 * own state (fs_ops save_state / load_state).
 *
 * Header, little-endian: "VFSDSES1", u32 version, u32 initialized,
 * 7 bytes of agreed capabilities (submounts, writeback, killpriv_v2,
 * posix_acl, security_ctx, flock, posix_locks), u8 0, u32 max_write,
 * u32 the guest's protocol minor. */
#include "fuse_internal.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "../log/log.h"

#define SESSION_MAGIC "VFSDSES1"
#define SESSION_VERSION 1
#define SESSION_HDR_SIZE 32

static void put32(unsigned char *p, uint32_t v)
{
	for (int k = 0; k < 4; k++)
		p[k] = (unsigned char)(v >> (8 * k));
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int write_all(int fd, const void *buf, size_t n)
{
	const unsigned char *p = buf;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Exactly n bytes, or -EINVAL at an early end of the stream. */
static int read_exact(int fd, void *buf, size_t n)
{
	unsigned char *p = buf;
	while (n) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EINVAL;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static void encode(const struct fuse_server *s, unsigned char h[SESSION_HDR_SIZE])
{
	memset(h, 0, SESSION_HDR_SIZE);
	memcpy(h, SESSION_MAGIC, 8);
	put32(h + 8, SESSION_VERSION);
	put32(h + 12, atomic_load(&s->initialized) ? 1 : 0);
	const struct fs_conn *c = &s->conn;
	h[16] = c->submounts;
	h[17] = c->writeback;
	h[18] = c->killpriv_v2;
	h[19] = c->posix_acl;
	h[20] = c->security_ctx;
	h[21] = c->flock;
	h[22] = c->posix_locks;
	put32(h + 24, c->max_write);
	put32(h + 28, s->guest_minor);
}

static int decode(const unsigned char h[SESSION_HDR_SIZE], bool *initialized,
		  struct fs_conn *c, uint32_t *minor)
{
	if (memcmp(h, SESSION_MAGIC, 8) || get32(h + 8) != SESSION_VERSION) {
		log_error("migration: not a session state of this virtiofsd (version %u)",
			  get32(h + 8));
		return -EINVAL;
	}
	uint32_t init = get32(h + 12);
	for (int k = 16; k < 24; k++)
		if (h[k] > (k == 23 ? 0 : 1))
			init = 2;
	uint32_t max_write = get32(h + 24);
	*minor = get32(h + 28);
	if (init > 1 || (init && (max_write < FUSE_GUEST_PAGE || max_write > (1u << 28) ||
				  *minor < 31 || *minor > FUSE_OUR_MINOR))) {
		log_error("migration: malformed session state");
		return -EINVAL;
	}
	*initialized = init;
	*c = (struct fs_conn){
		.submounts = h[16], .writeback = h[17], .killpriv_v2 = h[18],
		.posix_acl = h[19], .security_ctx = h[20], .flock = h[21],
		.posix_locks = h[22], .max_write = max_write,
	};
	return 0;
}

int fuse_server_save_state(struct fuse_server *s, int fd)
{
	unsigned char h[SESSION_HDR_SIZE];
	pthread_mutex_lock(&s->session_lock);
	encode(s, h);
	int r = write_all(fd, h, sizeof(h));
	if (r == 0 && s->ops->save_state)
		r = s->ops->save_state(s->fs, fd);
	pthread_mutex_unlock(&s->session_lock);
	if (r < 0)
		log_error("migration: saving the state failed: %s", strerror(-r));
	return r;
}

/* The destination must serve the guest exactly as the source agreed: a
 * capability this daemon's options would clear (e.g. started without
 * --writeback while the guest uses the writeback cache) refuses the move. */
static bool same_conn(const struct fs_conn *want, const struct fs_conn *got)
{
	return want->submounts == got->submounts && want->writeback == got->writeback &&
	       want->killpriv_v2 == got->killpriv_v2 && want->posix_acl == got->posix_acl &&
	       want->security_ctx == got->security_ctx && want->flock == got->flock &&
	       want->posix_locks == got->posix_locks;
}

int fuse_server_load_state(struct fuse_server *s, int fd)
{
	unsigned char h[SESSION_HDR_SIZE];
	bool initialized = false;
	struct fs_conn conn;
	uint32_t minor = 0;

	int r = read_exact(fd, h, sizeof(h));
	if (r == 0)
		r = decode(h, &initialized, &conn, &minor);
	if (r < 0) {
		if (r != -EINVAL)
			log_error("migration: reading the state failed: %s", strerror(-r));
		return r;
	}
	pthread_mutex_lock(&s->session_lock);
	if (atomic_exchange(&s->initialized, false) && s->ops->destroy)
		s->ops->destroy(s->fs);
	if (initialized && s->ops->init) {
		struct fs_conn got = conn;
		r = s->ops->init(s->fs, &got);
		if (r == 0 && !same_conn(&conn, &got)) {
			log_error("migration: the guest's session uses capabilities this "
				  "daemon's options do not allow (compare --writeback, "
				  "--announce-submounts, --killpriv-v2, --posix-acl with the source)");
			r = -EINVAL;
		}
	}
	if (r == 0 && s->ops->load_state) {
		r = s->ops->load_state(s->fs, fd);
	} else if (r == 0) {
		unsigned char extra;
		if (read(fd, &extra, 1) != 0)
			r = -EINVAL;
	}
	if (r == 0 && initialized) {
		fuse_session_start(s, &conn, minor);
	} else if (r < 0 && s->ops->destroy) {
		s->ops->destroy(s->fs);
	}
	pthread_mutex_unlock(&s->session_lock);
	if (r == 0)
		log_info("migration: took over the guest's session (protocol 7.%u)%s", minor,
			 initialized ? "" : ", not mounted yet");
	return r;
}
