/* Logging: levels, stderr with timestamps, or syslog. */
#ifndef LOG_H
#define LOG_H

#include <stddef.h>

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG, LOG_LVL_TRACE };

void log_setup(enum log_level level, int use_syslog);
int log_level_parse(const char *s, enum log_level *out);
extern enum log_level log_current_level;

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Formats a one-line error into err[n] for the caller to report; returns -1
 * so parsers can write "return errbuf_fail(err, n, ...)". */
int errbuf_fail(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* For messages a guest can trigger at will (one per bad request): at most
 * one per call site every few seconds, with a count of what was held back. */
#define LOG_RATELIMIT_SECONDS 5
struct log_ratelimit {
	long long next;     /* monotonic second from which to log again */
	unsigned held_back;
};
void log_ratelimited(struct log_ratelimit *rl, enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* One limit per call site. */
#define log_at_ratelimited(level, ...) do { \
	static struct log_ratelimit rl_; \
	log_ratelimited(&rl_, level, __VA_ARGS__); \
} while (0)
#define log_error_ratelimited(...) log_at_ratelimited(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn_ratelimited(...) log_at_ratelimited(LOG_LVL_WARN, __VA_ARGS__)
#define log_info_ratelimited(...) log_at_ratelimited(LOG_LVL_INFO, __VA_ARGS__)

#define log_enabled(l) ((l) <= log_current_level)
#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) do { if (log_enabled(LOG_LVL_DEBUG)) log_msg(LOG_LVL_DEBUG, __VA_ARGS__); } while (0)
#define log_trace(...) do { if (log_enabled(LOG_LVL_TRACE)) log_msg(LOG_LVL_TRACE, __VA_ARGS__); } while (0)

#endif
