/*
 * sink.c: the calls every sink answers, and the dry run's sink, which
 * plans as the real one does and sends nothing.
 */
#include "config.h"

#include <string.h>

#include "log.h"
#include "sink.h"

char *
sink_plan(struct sink *s, const struct sink_lead *l, gsize *len)
{
	*len = 0;
	return s->ops->plan(s, l, len);
}

enum lr_status
sink_send(struct sink *s, const char *target, const char *payload,
    gsize len, struct sink_failure *fail)
{
	memset(fail, 0, sizeof *fail);
	fail->retry_after = -1;
	return s->ops->send(s, target, payload, len, fail);
}

void
sink_failure_clear(struct sink_failure *fail)
{
	g_free(fail->why);
	fail->why = NULL;
}

void
sink_free(struct sink *s)
{
	if (s != NULL)
		s->ops->free(s);
}

/* --- the dry run's sink ---------------------------------------------- */

struct dry {
	struct sink base;
	struct sink *real;
};

static char *
dry_plan(struct sink *s, const struct sink_lead *l, gsize *len)
{
	struct dry *d = (struct dry *)s;

	return sink_plan(d->real, l, len);
}

static enum lr_status
dry_send(struct sink *s, const char *target, const char *payload, gsize len,
    struct sink_failure *fail)
{
	(void)payload;
	(void)fail;
	log_info("dry run: %s to %s (%zu bytes) not sent",
	    chan_id_name(s->chan), target, (size_t)len);
	return LR_OK;
}

static void
dry_free(struct sink *s)
{
	struct dry *d = (struct dry *)s;

	sink_free(d->real);
	g_free(d);
}

static const struct sink_ops dry_ops = { dry_plan, dry_send, dry_free };

struct sink *
sink_dry_new(struct sink *real)
{
	struct dry *d;

	if (real == NULL)
		return NULL;
	d = g_new0(struct dry, 1);
	d->base.ops = &dry_ops;
	d->base.chan = real->chan;
	d->real = real;
	return &d->base;
}
