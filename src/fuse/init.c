/* The session: INIT negotiation and DESTROY.  Both run under session_lock;
 * the request path only reads s->initialized (an atomic), so requests on
 * other queues never wait on a lock. */
#include "fuse_internal.h"

#include <errno.h>
#include <string.h>

#include "../log/log.h"

/* Capabilities we take whenever the guest offers them.  ASYNC_DIO: without
 * it the guest completes each asynchronous O_DIRECT request before it sends
 * the next (an io_submit of 16 becomes 16 round trips in a row). */
#define FUSE_ALWAYS_FLAGS                                                              \
	(FUSE_ASYNC_READ | FUSE_PARALLEL_DIROPS | FUSE_BIG_WRITES | FUSE_AUTO_INVAL_DATA | \
	 FUSE_ATOMIC_O_TRUNC | FUSE_EXPORT_SUPPORT | FUSE_MAX_PAGES | FUSE_CACHE_SYMLINKS | \
	 FUSE_ASYNC_DIO)

/* What we would like, given the options; the guest's offer masks it. */
static uint64_t wanted_flags(const struct fuse_server_options *o)
{
	uint64_t f = FUSE_ALWAYS_FLAGS;

	if (o->announce_submounts)
		f |= FUSE_SUBMOUNTS;
	if (o->writeback)
		f |= FUSE_WRITEBACK_CACHE;
	if (o->readdirplus)
		f |= FUSE_DO_READDIRPLUS | FUSE_READDIRPLUS_AUTO;
	if (o->killpriv_v2)
		f |= FUSE_HANDLE_KILLPRIV_V2;
	if (o->posix_acl)
		f |= FUSE_POSIX_ACL | FUSE_DONT_MASK;
	if (o->security_label)
		f |= FUSE_SECURITY_CTX;
	if (o->allow_mmap)
		f |= FUSE_DIRECT_IO_ALLOW_MMAP;
	if (o->flock)
		f |= FUSE_FLOCK_LOCKS;
	if (o->posix_locks)
		f |= FUSE_POSIX_LOCKS;
	return f;
}

/* The filesystem may clear capabilities in conn it cannot honour. */
static uint64_t apply_conn(uint64_t f, const struct fs_conn *c)
{
	if (!c->submounts)
		f &= ~(uint64_t)FUSE_SUBMOUNTS;
	if (!c->writeback)
		f &= ~(uint64_t)FUSE_WRITEBACK_CACHE;
	if (!c->killpriv_v2)
		f &= ~(uint64_t)FUSE_HANDLE_KILLPRIV_V2;
	if (!c->posix_acl)
		f &= ~(uint64_t)(FUSE_POSIX_ACL | FUSE_DONT_MASK);
	if (!c->security_ctx)
		f &= ~(uint64_t)FUSE_SECURITY_CTX;
	if (!c->flock)
		f &= ~(uint64_t)FUSE_FLOCK_LOCKS;
	if (!c->posix_locks)
		f &= ~(uint64_t)FUSE_POSIX_LOCKS;
	return f;
}

/* Drop the previous session, if any (a rebooted guest sends INIT again). */
static void end_session(struct fuse_server *s)
{
	if (atomic_exchange(&s->initialized, false) && s->ops->destroy)
		s->ops->destroy(s->fs);
}

uint32_t fuse_do_init(struct fuse_req_ctx *r)
{
	struct fuse_server *s = r->s;
	struct fuse_init_in in;
	struct fuse_init_out out;

	memset(&in, 0, sizeof(in));
	fuse_arg(r, 0, &in, r->arg_len < sizeof(in) ? r->arg_len : sizeof(in));
	memset(&out, 0, sizeof(out));

	if (in.major < FUSE_KERNEL_VERSION) {
		log_error_ratelimited("FUSE INIT: guest protocol %u.%u is too old", in.major,
				      in.minor);
		return reply_err(r, -EPROTO);
	}
	if (in.major > FUSE_KERNEL_VERSION) {
		/* The guest offers a newer major: answer with ours only, it
		 * retries INIT with our major if it can speak it. */
		out.major = FUSE_KERNEL_VERSION;
		out.minor = FUSE_OUR_MINOR;
		return reply_buf(r, &out, sizeof(out), NULL, 0);
	}
	if (in.minor < 31) {
		log_error_ratelimited("FUSE INIT: guest protocol 7.%u is older than 7.31", in.minor);
		return reply_err(r, -EPROTO);
	}

	uint64_t offered = in.flags;
	if (in.flags & FUSE_INIT_EXT) {
		if (r->arg_total < sizeof(in))
			return reply_err(r, -EINVAL);
		offered |= (uint64_t)in.flags2 << 32;
	}

	log_debug("FUSE INIT: guest protocol 7.%u offers flags %#llx", in.minor,
		  (unsigned long long)offered);
	const struct fuse_server_options *o = &s->opt;
	uint32_t max_pages = o->max_pages ? o->max_pages : 256;
	if (max_pages > UINT16_MAX)
		max_pages = UINT16_MAX;

	pthread_mutex_lock(&s->session_lock);
	end_session(s);

	if (o->announce_submounts && !(offered & FUSE_SUBMOUNTS) &&
	    !atomic_exchange(&s->warned_submounts, true))
		log_warn("the guest kernel does not support FUSE_SUBMOUNTS: submounts in the "
			 "shared directory will not be announced");

	uint64_t agreed = wanted_flags(o) & offered;
	struct fs_conn conn = {
		.submounts = agreed & FUSE_SUBMOUNTS,
		.writeback = agreed & FUSE_WRITEBACK_CACHE,
		.killpriv_v2 = agreed & FUSE_HANDLE_KILLPRIV_V2,
		.posix_acl = agreed & FUSE_POSIX_ACL,
		.security_ctx = agreed & FUSE_SECURITY_CTX,
		.flock = agreed & FUSE_FLOCK_LOCKS,
		.posix_locks = agreed & FUSE_POSIX_LOCKS,
		.max_write = max_pages * FUSE_GUEST_PAGE,
	};
	if (s->ops->init) {
		int err = s->ops->init(s->fs, &conn);
		if (err) {
			pthread_mutex_unlock(&s->session_lock);
			log_error("FUSE INIT: the filesystem refused the session: %s",
				  strerror(-fuse_sane_err(err)));
			return reply_err(r, err);
		}
	}
	agreed = apply_conn(agreed, &conn);
	if (conn.max_write < FUSE_GUEST_PAGE || conn.max_write > max_pages * FUSE_GUEST_PAGE)
		conn.max_write = max_pages * FUSE_GUEST_PAGE;
	if (offered & FUSE_INIT_EXT)
		agreed |= FUSE_INIT_EXT;

	out.major = FUSE_KERNEL_VERSION;
	out.minor = in.minor < FUSE_OUR_MINOR ? in.minor : FUSE_OUR_MINOR;
	out.max_readahead = in.max_readahead;
	out.flags = (uint32_t)agreed;
	out.flags2 = (offered & FUSE_INIT_EXT) ? (uint32_t)(agreed >> 32) : 0;
	out.max_background = 64;
	out.congestion_threshold = 48;
	out.max_write = conn.max_write;
	out.time_gran = 1;
	out.max_pages = (uint16_t)max_pages;

	fuse_session_start(s, &conn, in.minor);
	pthread_mutex_unlock(&s->session_lock);

	/* The guest may send INIT again at will: limited like its other
	 * messages (a reboot's new session is still logged). */
	log_info_ratelimited("FUSE session: guest protocol 7.%u, flags %#llx, max_write %u",
			     in.minor, (unsigned long long)agreed, out.max_write);
	return reply_buf(r, &out, sizeof(out), NULL, 0);
}

uint32_t fuse_do_destroy(struct fuse_req_ctx *r)
{
	pthread_mutex_lock(&r->s->session_lock);
	end_session(r->s);
	pthread_mutex_unlock(&r->s->session_lock);
	return reply_err(r, 0);
}

void fuse_server_reset(struct fuse_server *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->session_lock);
	end_session(s);
	pthread_mutex_unlock(&s->session_lock);
}

void fuse_session_start(struct fuse_server *s, const struct fs_conn *conn, uint32_t minor)
{
	s->conn = *conn;
	s->guest_minor = minor;
	atomic_store(&s->secctx_minor, conn->security_ctx ? minor : 0);
	atomic_store(&s->initialized, true);
}
