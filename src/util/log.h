/*
 * log.h: diagnostics for people and for systemd. Every message starts
 * with its subsystem ("rules: ...", "mail: ..."). The log level is the
 * one mutable global.
 */
#ifndef LR_LOG_H
#define LR_LOG_H

enum log_level { LOG_LVL_QUIET = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_set_level(enum log_level lvl);
/* From now on, to syslog (ident "leadroute", facility mail) not stderr. */
void log_use_syslog(void);
enum log_level log_get_level(void);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));	/* adds strerror(errno) */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/*
 * A live status line on a terminal (stderr a tty, not syslog, not -q):
 * shown at the bottom, rewritten in place, cleared by any log line and by
 * log_status_end(). Elsewhere it does nothing: the log has its lines.
 */
void log_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_status_end(void);

#endif
