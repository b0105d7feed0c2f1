#include "file_handle.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int fh_of_fd(int fd, struct fh *out, uint64_t *mnt_id)
{
	union {
		struct file_handle fh;
		char buf[sizeof(struct file_handle) + FH_MAX_BYTES];
	} h;
	int mnt = 0;
	out->len = 0;
	h.fh.handle_bytes = FH_MAX_BYTES;
	if (name_to_handle_at(fd, "", &h.fh, &mnt, AT_EMPTY_PATH) < 0)
		return -errno;
	if (h.fh.handle_bytes == 0 || h.fh.handle_bytes > FH_MAX_BYTES)
		return -EOVERFLOW;
	out->type = h.fh.handle_type;
	out->len = (uint16_t)h.fh.handle_bytes;
	memcpy(out->bytes, h.fh.f_handle, out->len);
	if (mnt_id)
		*mnt_id = (uint64_t)(unsigned)mnt;
	return 0;
}

bool fh_equal(const struct fh *a, const struct fh *b)
{
	return a->len == b->len && a->type == b->type && !memcmp(a->bytes, b->bytes, a->len);
}

void mount_fds_init(struct mount_fds *m)
{
	pthread_mutex_init(&m->lock, NULL);
	m->n = 0;
}

void mount_fds_fini(struct mount_fds *m)
{
	for (unsigned i = 0; i < m->n; i++)
		close(m->fds[i]);
	m->n = 0;
	pthread_mutex_destroy(&m->lock);
}

/* With the lock held: the slot of mnt_id, or -1. */
static int find(const struct mount_fds *m, uint64_t mnt_id)
{
	for (unsigned i = 0; i < m->n; i++)
		if (m->ids[i] == mnt_id)
			return (int)i;
	return -1;
}

int mount_fds_add(struct mount_fds *m, uint64_t mnt_id, int fd)
{
	pthread_mutex_lock(&m->lock);
	int k = find(m, mnt_id);
	if (k >= 0) {
		m->refs[k]++;
		pthread_mutex_unlock(&m->lock);
		return 0;
	}
	pthread_mutex_unlock(&m->lock);
	/* open_by_handle_at() refuses an O_PATH mount_fd (EBADF): open the
	 * directory for real (never a non-directory, which might be a FIFO or
	 * a device). */
	int d = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC);
	if (d < 0)
		return -errno;
	int r = 1;
	pthread_mutex_lock(&m->lock);
	k = find(m, mnt_id);
	if (k >= 0) {
		m->refs[k]++; /* another thread was faster */
		r = 0;
	} else if (m->n >= MOUNT_FDS_MAX) {
		r = -ENOSPC;
	} else {
		m->ids[m->n] = mnt_id;
		m->fds[m->n] = d;
		m->refs[m->n++] = 1;
		d = -1;
	}
	pthread_mutex_unlock(&m->lock);
	if (d >= 0)
		close(d);
	return r;
}

/* With the lock held: drop one ref of slot k; the fd to close, or -1. */
static int put_slot(struct mount_fds *m, int k)
{
	if (--m->refs[k])
		return -1;
	int fd = m->fds[k];
	m->n--;
	m->ids[k] = m->ids[m->n];
	m->fds[k] = m->fds[m->n];
	m->refs[k] = m->refs[m->n];
	return fd;
}

int mount_fds_put(struct mount_fds *m, uint64_t mnt_id)
{
	pthread_mutex_lock(&m->lock);
	int k = find(m, mnt_id);
	int fd = k >= 0 ? put_slot(m, k) : -1;
	pthread_mutex_unlock(&m->lock);
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

unsigned mount_fds_count(struct mount_fds *m)
{
	pthread_mutex_lock(&m->lock);
	unsigned n = m->n;
	pthread_mutex_unlock(&m->lock);
	return n;
}

int fh_open(struct mount_fds *m, uint64_t mnt_id, const struct fh *h, int flags)
{
	union {
		struct file_handle fh;
		char buf[sizeof(struct file_handle) + FH_MAX_BYTES];
	} u;
	if (h->len == 0 || h->len > FH_MAX_BYTES)
		return -ESTALE;
	u.fh.handle_bytes = h->len;
	u.fh.handle_type = h->type;
	memcpy(u.fh.f_handle, h->bytes, h->len);
	/* A ref keeps the mount's fd open while it is used unlocked.  The
	 * caller's record holds one too, so this one never closes it. */
	pthread_mutex_lock(&m->lock);
	int k = find(m, mnt_id);
	int mfd = -1;
	if (k >= 0) {
		m->refs[k]++;
		mfd = m->fds[k];
	}
	pthread_mutex_unlock(&m->lock);
	if (mfd < 0)
		return -ESTALE;
	int fd = open_by_handle_at(mfd, &u.fh, flags | O_CLOEXEC);
	int err = errno;
	mount_fds_put(m, mnt_id);
	return fd < 0 ? -err : fd;
}
