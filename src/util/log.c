/*
 * log.c: logging with a level, one line per message: to stderr (systemd
 * takes it from there) or, once log_use_syslog() is called, to syslog
 * with facility mail.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <glib.h>

#include "log.h"

static enum log_level level = LOG_LVL_WARN;
static int use_syslog;
static int status_shown;	/* a status line is on the terminal */

/* Take the status line off the terminal before a log line. */
static void
status_clear(void)
{
	if (status_shown) {
		fputs("\r\033[K", stderr);
		status_shown = 0;
	}
}

void
log_status_end(void)
{
	status_clear();
}

void
log_status(const char *fmt, ...)
{
	static int tty = -1;
	va_list ap;

	if (tty < 0)
		tty = isatty(STDERR_FILENO);
	if (!tty || use_syslog || level < LOG_LVL_INFO)
		return;
	fputs("\r\033[K", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
	status_shown = 1;
}

void
log_use_syslog(void)
{
	if (!use_syslog)
		openlog("leadroute", LOG_PID | LOG_NDELAY, LOG_MAIL);
	use_syslog = 1;
}

void
log_set_level(enum log_level lvl)
{
	level = lvl;
}

enum log_level
log_get_level(void)
{
	return level;
}

static void
vlog(enum log_level lvl, const char *err, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void
vlog(enum log_level lvl, const char *err, const char *fmt, va_list ap)
{
	if (lvl > level)
		return;
	if (use_syslog) {
		static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO,
		    LOG_DEBUG };
		char *msg = g_strdup_vprintf(fmt, ap);

		if (err != NULL)
			syslog(prio[lvl], "%s: %s", msg, err);
		else
			syslog(prio[lvl], "%s", msg);
		g_free(msg);
		return;
	}
	status_clear();
	fputs("leadroute: ", stderr);
	vfprintf(stderr, fmt, ap);
	if (err != NULL)
		fprintf(stderr, ": %s", err);
	fputc('\n', stderr);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	const char *err = strerror(errno);

	va_start(ap, fmt);
	vlog(LOG_LVL_WARN, err, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_WARN, NULL, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_INFO, NULL, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_DEBUG, NULL, fmt, ap);
	va_end(ap);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	level = LOG_LVL_WARN > level ? LOG_LVL_WARN : level;
	vlog(LOG_LVL_WARN, NULL, fmt, ap);
	va_end(ap);
	exit(70);
}
