/*
 * sink_smtp.c: the email forward (or redirect) to an owner as a sink: the
 * lead's message with the rendered subject and text, sent by SMTP; a 5xx
 * for this message is a permanent failure.
 */
#include "config.h"

#include "sink.h"

struct sink_smtp {
	struct sink base;
	struct smtp *smtp;
	enum smtp_mode mode;
	const struct template *subject, *text;
};

static char *
smtp_plan(struct sink *s, const struct sink_lead *l, gsize *len)
{
	struct sink_smtp *m = (struct sink_smtp *)s;
	struct forward_spec fs = l->fs;
	char *subject, *text, *msg = NULL;
	enum lr_status st;

	subject = template_render(l->subject != NULL ? l->subject :
	    m->subject, &l->tv);
	text = template_render(l->text != NULL ? l->text : m->text, &l->tv);
	fs.subject = subject;
	fs.text = text;
	st = m->mode == SMTP_REDIRECT && fs.raw != NULL ?
	    smtp_build_redirect(&fs, &msg, len) :
	    smtp_build_forward(&fs, &msg, len);
	g_free(subject);
	g_free(text);
	if (st != LR_OK) {
		g_free(msg);
		return NULL;
	}
	return msg;
}

static enum lr_status
smtp_sink_send(struct sink *s, const char *target, const char *payload,
    gsize len, struct sink_failure *fail)
{
	struct sink_smtp *m = (struct sink_smtp *)s;
	struct smtp_result res = { 0 };
	const char *rcpts[2] = { target, NULL };
	char code[16];
	enum lr_status st;

	st = smtp_send(m->smtp, smtp_sender(m->smtp), rcpts, payload, len,
	    &res);
	if (st != LR_OK) {
		fail->permanent = res.permanent;
		/* the server's reply starts with its code, curl's error not */
		g_snprintf(code, sizeof code, "%ld ", res.code);
		fail->why = res.text != NULL && g_str_has_prefix(res.text,
		    code) ? g_strdup(res.text) : g_strdup_printf("%ld %s",
		    res.code, res.text != NULL ? res.text : "");
		st = res.permanent ? LR_BADMSG : LR_TEMPFAIL;
	}
	smtp_result_clear(&res);
	return st;
}

static void
smtp_sink_free(struct sink *s)
{
	g_free(s);
}

static const struct sink_ops smtp_ops = {
	smtp_plan, smtp_sink_send, smtp_sink_free
};

struct sink *
sink_smtp_new(struct smtp *smtp, enum smtp_mode mode,
    const struct template *subject, const struct template *text)
{
	struct sink_smtp *m = g_new0(struct sink_smtp, 1);

	m->base.ops = &smtp_ops;
	m->base.chan = CHAN_FORWARD;
	m->smtp = smtp;
	m->mode = mode;
	m->subject = subject;
	m->text = text;
	return &m->base;
}
