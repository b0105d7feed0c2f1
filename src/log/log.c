#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

enum log_level log_current_level = LOG_LVL_INFO;
static int log_to_syslog;

static const char *const level_names[] = { "error", "warn", "info", "debug", "trace" };

void log_setup(enum log_level level, int use_syslog)
{
	log_current_level = level;
	log_to_syslog = use_syslog;
	/* glibc loads the time zone (/etc/localtime, or the file TZ names) at
	 * the first gmtime_r/localtime_r, ours or syslog(3)'s: load it now,
	 * from the host.  After the sandbox entry that path would lead into
	 * the guest's share (a FIFO there blocks the daemon for good). */
	tzset();
	/* Connected now (LOG_NDELAY), while /dev/log is in sight: the
	 * namespace and chroot sandboxes hide it, and syslog(3) would connect
	 * only at the first message, in vain, and drop every one. */
	if (use_syslog)
		openlog("virtiofsd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

int log_level_parse(const char *s, enum log_level *out)
{
	for (unsigned i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (!strcmp(s, level_names[i])) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	if (!strcmp(s, "warning")) { /* QEMU C virtiofsd's spelling */
		*out = LOG_LVL_WARN;
		return 0;
	}
	if (!strcmp(s, "off")) {
		*out = LOG_LVL_ERROR;
		return 0;
	}
	return -1;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const int syslog_prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG, LOG_DEBUG };
	if (level > log_current_level)
		return;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_to_syslog) {
		syslog(syslog_prio[level], "%s", msg);
		return;
	}
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	fprintf(stderr, "[%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s virtiofsd] %s\n",
		tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		tm.tm_sec, ts.tv_nsec / 1000000, level_names[level], msg);
}

void log_ratelimited(struct log_ratelimit *rl, enum log_level level, const char *fmt, ...)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);

	pthread_mutex_lock(&lock);
	if (now.tv_sec < rl->next) {
		rl->held_back++;
		pthread_mutex_unlock(&lock);
		return;
	}
	unsigned held = rl->held_back;
	rl->held_back = 0;
	rl->next = now.tv_sec + LOG_RATELIMIT_SECONDS;
	pthread_mutex_unlock(&lock);

	char msg[900];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (held)
		log_msg(level, "%s (and %u more like it)", msg, held);
	else
		log_msg(level, "%s", msg);
}

int errbuf_fail(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
	return -1;
}
